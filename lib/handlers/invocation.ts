// One Lambda invocation's part in a rotation: its deadline and the zone lease it may hold, read from the Lambda
// context, and the clock everything after it uses.
import type { Context } from 'aws-lambda';
import type { KeyFingerprint } from '#lib/domain/key-fingerprint.ts';
import { type Clock, systemClock } from '#lib/domain/retry.ts';
import type { KeyWrite } from '#lib/domain/teo-gateway.ts';
import type { CallTally } from '#lib/handlers/audit/audit-log.ts';

/** Time kept back from the Lambda's limit to answer, log and flush. */
export const ANSWER_MARGIN_MS = 500;

/** Epoch ms at which Lambda ends this invocation. */
export const invocationEnd = (context: Context, clock: Clock = systemClock) =>
  clock.now() + context.getRemainingTimeInMillis();

export interface RotationRun {
  /** When the request was first seen (its first claim, for a redelivered one): it must not roll back a later one. */
  readonly firstSeen: number;
  /** Who asked, for the zone's record: a caller's name, or the trigger. */
  readonly by: string;
  /** How the zone's record names the key: the deployment's keyed fingerprint. */
  readonly fingerprint: KeyFingerprint;
  /** Epoch ms by which TEO must have answered: the Lambda's end, less the time kept to answer. */
  readonly deadline: number;
  /** Epoch ms the zone's lease lasts: the Lambda's end, so a crashed invocation frees it then. */
  readonly leaseUntil: number;
  readonly owner: string;
  readonly clock: Clock;
  /** Told as each TEO call starts, for the audit line and the metrics; what it returns is told how long it took. */
  readonly onTeoCall: (action: KeyWrite | 'Describe') => (latencyMs: number) => void;
  /** Told of a ledger write that failed after the work it was to record: reported, never answered instead. */
  readonly onLedgerFailure: (operation: string, error: unknown) => void;
}

/** The run of one Lambda invocation: its deadline and lease, and its TEO calls counted into `tally`. */
export function runOf(
  context: Context,
  tally: CallTally,
  request: Pick<RotationRun, 'firstSeen' | 'by' | 'fingerprint'>,
  clock: Clock = systemClock,
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
