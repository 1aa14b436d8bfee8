// docs/contract.md §5: one rotation of one zone at a time, retried only where repeating it is harmless, and never left
// unsettled when TEO can still say which key is live.
import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { RotationConflict } from '#lib/errors.ts';
import { keyFingerprint } from '#lib/key-fingerprint.ts';
import type { RotationLedger, ZoneChange, ZoneLease } from '#lib/ledger/rotation-ledger.ts';
import type { RotationRequest } from '#lib/rotation-request.ts';
import { TeoRefused, TeoUnreachable } from '#lib/teo/errors.ts';
import type { TeoGateway } from '#lib/teo/gateway.ts';

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2000 };

/** No attempt starts with less time than this before the deadline. */
const MIN_ATTEMPT_MS = 250;

export interface RotationOutcome {
  readonly requestId: string;
  /** Set when an attempt's outcome was unknown and DescribeMultiPathGatewaySecretKey showed the key live. */
  readonly settledBy?: 'DescribeMultiPathGatewaySecretKey';
}

export interface RotationRun {
  /** When the request was first seen (its first claim, for a redelivered one): it must not roll back a later one. */
  readonly firstSeen: number;
  /** Who asked, for the zone's record: a caller's name, or the trigger. */
  readonly by: string;
  /** Epoch ms by which TEO must have answered: the Lambda's end, less the time kept to answer. */
  readonly deadline: number;
  /** Epoch ms the zone's lease lasts: the Lambda's end, so a crashed invocation frees it then. */
  readonly leaseUntil: number;
  readonly owner: string;
  /** Told of every TEO call, for the audit line and the metrics. */
  readonly onTeoCall: (action: 'Modify' | 'Describe', latencyMs: number) => void;
}

/** Time kept back from the Lambda's limit to answer, log and flush. */
export const ANSWER_MARGIN_MS = 500;

/** Epoch ms at which Lambda ends this invocation. */
export const invocationEnd = (context: Context) => Date.now() + context.getRemainingTimeInMillis();

/** What an invocation's audit line counts of its TEO calls. */
export interface TeoTally {
  teoAttempts: number;
  teoLatenciesMs: number[];
}

/** The run of one Lambda invocation: its deadline and lease, and its TEO calls counted into `tally`. */
export function runOf(
  context: Context,
  tally: TeoTally,
  request: { readonly firstSeen: number; readonly by: string },
): RotationRun {
  const end = invocationEnd(context);
  return {
    ...request,
    deadline: end - ANSWER_MARGIN_MS,
    leaseUntil: end,
    owner: context.awsRequestId,
    onTeoCall: (action, latencyMs) => {
      if (action === 'Modify') tally.teoAttempts += 1;
      tally.teoLatenciesMs.push(Math.round(latencyMs));
    },
  };
}

export async function rotateZone(
  rotation: RotationRequest,
  teo: TeoGateway,
  ledger: RotationLedger,
  retry: RetryPolicy,
  run: RotationRun,
): Promise<RotationOutcome> {
  const lease = await holdZone(rotation.zoneId, ledger, run);
  if (lease.fence > run.firstSeen) {
    await ledger.releaseZone(rotation.zoneId, run.owner);
    throw new RotationConflict(
      'RequestSuperseded',
      'A rotation of this zone first seen after this request has since been sent to TEO: applying this one would roll the zone back to an older key. Nothing was changed.',
    );
  }
  let change: ZoneChange | undefined;
  try {
    return await sendKey(rotation, teo, retry, run, 0, (left) => {
      change = left;
    });
  } finally {
    await ledger.releaseZone(rotation.zoneId, run.owner, change);
  }
}

/**
 * Sends the key with §5's retries and settlement, the zone's lease held, and tells `leave` what the zone keeps: the
 * applied rotation, or, when the key may have gone live, the fence that stops every request first seen before.
 */
export async function sendKey(
  rotation: RotationRequest,
  teo: TeoGateway,
  retry: RetryPolicy,
  run: RotationRun,
  sourceVersion: number,
  leave: (change: ZoneChange) => void,
): Promise<RotationOutcome> {
  try {
    const outcome = await withRetries(rotation, teo, retry, run);
    leave({
      fence: run.firstSeen,
      applied: {
        firstSeen: run.firstSeen,
        at: Date.now(),
        by: run.by,
        requestId: outcome.requestId,
        keyFingerprint: keyFingerprint(rotation.secretKey),
        sourceVersion,
      },
    });
    return outcome;
  } catch (error) {
    if (mayHaveApplied(error)) leave({ fence: run.firstSeen });
    throw error;
  }
}

/** Only TEO's own refusal, or reading the previous key back, proves a failed rotation changed nothing. */
const mayHaveApplied = (error: unknown) =>
  error instanceof TeoRefused
    ? error.code.startsWith('InternalError')
    : !(error instanceof TeoUnreachable && error.keyState === 'unchanged');

/** The zone's lease for this run, or 409: two rotations of a zone never overlap. */
export async function holdZone(zoneId: string, ledger: RotationLedger, run: RotationRun): Promise<ZoneLease> {
  const lease = await ledger.acquireZone(zoneId, run.owner, run.leaseUntil);
  if (lease === undefined) {
    throw new RotationConflict(
      'ResourceInUse',
      'Another rotation of this zone is in flight; retry when it is done.',
    );
  }
  return lease;
}

/**
 * docs/contract.md §7: everything a rotation does up to TEO (the zone's lease included), then
 * DescribeMultiPathGatewaySecretKey instead of the Modify, which proves the function's credentials reach the zone.
 * Nothing is changed or recorded; the lease is given back.
 */
export async function rehearseRotation(
  rotation: RotationRequest,
  teo: TeoGateway,
  ledger: RotationLedger,
  run: RotationRun,
): Promise<{ readonly requestId: string }> {
  await holdZone(rotation.zoneId, ledger, run);
  try {
    const { requestId } = await timed(run, 'Describe', (deadline) =>
      teo.describeSecretKey(rotation.zoneId, deadline),
    );
    return { requestId };
  } finally {
    await ledger.releaseZone(rotation.zoneId, run.owner);
  }
}

const isRetryable = (error: unknown) =>
  error instanceof TeoUnreachable ||
  (error instanceof TeoRefused && /^(?:InternalError|RequestLimitExceeded)/.test(error.code));

async function withRetries(rotation: RotationRequest, teo: TeoGateway, retry: RetryPolicy, run: RotationRun) {
  let failure: unknown;
  for (let attempt = 1; attempt <= retry.maxAttempts; attempt += 1) {
    if (attempt > 1) {
      // Full jitter: concurrent callers that failed together do not retry together.
      const delay = Math.random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 2));
      if (Date.now() + delay + MIN_ATTEMPT_MS > run.deadline) break;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    try {
      const requestId = await timed(run, 'Modify', (deadline) => teo.modifySecretKey(rotation, deadline));
      return { requestId };
    } catch (error) {
      if (!isRetryable(error)) throw error;
      failure = error;
    }
    if (failure instanceof TeoUnreachable) {
      const settled = await settle(rotation, teo, run);
      if (settled.live)
        return { requestId: settled.requestId, settledBy: 'DescribeMultiPathGatewaySecretKey' } as const;
      failure = new TeoUnreachable(failure.reason, failure.message, settled.keyState, { cause: failure });
    }
  }
  throw failure;
}

/** Whether the requested key is now the zone's key; 'unknown' when TEO cannot say in the time left. */
async function settle(
  rotation: RotationRequest,
  teo: TeoGateway,
  run: RotationRun,
): Promise<{ live: true; requestId: string } | { live: false; keyState: 'unchanged' | 'unknown' }> {
  if (Date.now() + MIN_ATTEMPT_MS > run.deadline) return { live: false, keyState: 'unknown' };
  try {
    const current = await isRequestedKeyLive(rotation, teo, run);
    return current.live
      ? { live: true, requestId: current.requestId }
      : { live: false, keyState: 'unchanged' };
  } catch {
    return { live: false, keyState: 'unknown' };
  }
}

/** DescribeMultiPathGatewaySecretKey, compared in constant time with the requested key (which it never shows). */
export async function isRequestedKeyLive(rotation: RotationRequest, teo: TeoGateway, run: RotationRun) {
  const current = await timed(run, 'Describe', (deadline) =>
    teo.describeSecretKey(rotation.zoneId, deadline),
  );
  const live =
    current.secretKey.length === rotation.secretKey.length &&
    timingSafeEqual(Buffer.from(current.secretKey), Buffer.from(rotation.secretKey));
  return { live, requestId: current.requestId } as const;
}

/** A TEO call bounded by the deadline, its latency reported whatever the outcome. */
async function timed<T>(
  run: RotationRun,
  action: 'Modify' | 'Describe',
  call: (deadline: number) => Promise<T>,
) {
  const started = performance.now();
  try {
    return await call(run.deadline);
  } finally {
    run.onTeoCall(action, performance.now() - started);
  }
}
