// docs/contract.md §5: the key sent with retries only where repeating it is harmless, and never left unsettled when
// TEO can still say which key is live. Time, sleep and jitter come from the run's clock.
import { timingSafeEqual } from 'node:crypto';
import { keyFingerprint } from '#lib/domain/key-fingerprint.ts';
import type { ZoneChange } from '#lib/ledger/rotation-ledger.ts';
import { backoffMs, type RetryPolicy } from '#lib/outbound/retry.ts';
import type { RotationRun } from '#lib/rotation/invocation.ts';
import { TeoRefused, TeoUnreachable } from '#lib/teo/errors.ts';
import type { TeoGateway } from '#lib/teo/gateway.ts';
import type { RotationRequest } from '#lib/validation/rotation-request.ts';

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2000 };

/** No attempt starts with less time than this before the deadline. */
export const MIN_ATTEMPT_MS = 250;

export interface RotationOutcome {
  readonly requestId: string;
  /** Set when an attempt's outcome was unknown and DescribeMultiPathGatewaySecretKey showed the key live. */
  readonly settledBy?: 'DescribeMultiPathGatewaySecretKey';
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
        at: run.clock.now(),
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

const isRetryable = (error: unknown) =>
  error instanceof TeoUnreachable ||
  (error instanceof TeoRefused && /^(?:InternalError|RequestLimitExceeded)/.test(error.code));

async function withRetries(rotation: RotationRequest, teo: TeoGateway, retry: RetryPolicy, run: RotationRun) {
  let failure: unknown;
  for (let attempt = 1; attempt <= retry.maxAttempts; attempt += 1) {
    if (attempt > 1) {
      const delay = backoffMs(retry, attempt - 1, run.clock.random());
      if (run.clock.now() + delay + MIN_ATTEMPT_MS > run.deadline) break;
      await run.clock.sleep(delay);
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
  if (run.clock.now() + MIN_ATTEMPT_MS > run.deadline) return { live: false, keyState: 'unknown' };
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
export async function timed<T>(
  run: RotationRun,
  action: 'Modify' | 'Describe',
  call: (deadline: number) => Promise<T>,
) {
  const started = run.clock.now();
  try {
    return await call(run.deadline);
  } finally {
    run.onTeoCall(action, run.clock.now() - started);
  }
}
