// One Lambda invocation's part in a rotation: its deadline and the zone lease it may hold, read from the Lambda
// context, and the clock everything after it uses.
import type { Context } from 'aws-lambda';
import type { Clock } from '#lib/domain/retry.ts';
import type { RotationRun } from '#lib/domain/rotation/run.ts';
import type { CallTally } from '#lib/handlers/audit/audit-log.ts';

/** Time kept back from the Lambda's limit to answer, log and flush. */
export const ANSWER_MARGIN_MS = 500;

/** Epoch ms at which Lambda ends this invocation. */
export const invocationEnd = (context: Context, clock: Clock) =>
  clock.now() + context.getRemainingTimeInMillis();

/** The run of one Lambda invocation: its deadline and lease, and its TEO calls counted into `tally`. */
export function runOf(
  context: Context,
  tally: CallTally,
  request: Pick<RotationRun, 'firstSeen' | 'by' | 'fingerprint'>,
  clock: Clock,
): RotationRun {
  const end = invocationEnd(context, clock);
  return {
    ...request,
    deadline: end - ANSWER_MARGIN_MS,
    leaseUntil: end,
    owner: context.awsRequestId,
    clock,
    onTeoCall: (action) => {
      if (action !== 'Describe') tally.teoAttempts += 1;
      return (latencyMs) => void tally.teoLatenciesMs.push(Math.round(latencyMs));
    },
    onLedgerFailure: (operation, error) => void tally.ledgerFailures.push({ operation, error }),
  };
}
