// docs/contract.md §5: the key sent with retries only where repeating it is harmless, and never left unsettled when
// TEO can still say which key is live. §1: what Describe shows decides the call, Modify for a zone with a key and
// Create for a zone without one, never Create on a zone that shows a key. Time, sleep and jitter come from the
// run's clock.

import type { ZoneChange } from '#lib/domain/ledger/rotation-ledger.ts';
import { backoffMs, type RetryPolicy } from '#lib/domain/retry.ts';
import type { RotationRun } from '#lib/domain/rotation/run.ts';
import type { RotationRequest } from '#lib/domain/rotation-request.ts';
import { sameKey } from '#lib/domain/same-key.ts';
import {
  CredentialsUnavailable,
  refusesCredentials,
  TeoRefused,
  TeoUnreachable,
} from '#lib/domain/teo-errors.ts';
import type { KeyWrite, TeoGateway, ZoneKey } from '#lib/domain/teo-gateway.ts';

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2000 };

/** No attempt starts with less time than this before the deadline. */
export const MIN_ATTEMPT_MS = 250;

export interface RotationOutcome {
  readonly requestId: string;
  /** Set when an attempt's outcome was unknown, or refused, and DescribeMultiPathGatewaySecretKey showed the key live. */
  readonly settledBy?: 'DescribeMultiPathGatewaySecretKey';
  /** The zone had no key: this rotation set its first one, with CreateMultiPathGatewaySecretKey. */
  readonly firstKey?: true;
}

export interface SendOptions {
  /** What a Describe just made showed; without one, the zone is taken to have a key, as nearly every zone has. */
  readonly hasKey?: boolean;
}

/**
 * What sending a key did, and what the zone must keep for it: the applied rotation, or, when a failed send may still
 * have set the key, the fence that stops every request first seen before; nothing when the send changed nothing.
 */
export type KeySent =
  | { readonly ok: true; readonly outcome: RotationOutcome; readonly change: ZoneChange }
  | { readonly ok: false; readonly error: unknown; readonly change: ZoneChange | undefined };

/** Sets the zone's key with §5's retries and settlement; the zone's lease is held (lib/domain/rotation/rotate-zone.ts). */
export async function sendKey(
  rotation: RotationRequest,
  teo: TeoGateway,
  retry: RetryPolicy,
  run: RotationRun,
  { hasKey = true }: SendOptions = {},
): Promise<KeySent> {
  try {
    const outcome = await withRetries(rotation, teo, retry, run, hasKey ? 'Modify' : 'Create');
    const applied = {
      firstSeen: run.firstSeen,
      at: run.clock.now(),
      by: run.by,
      requestId: outcome.requestId,
      keyFingerprint: run.fingerprint(rotation.secretKey),
    };
    return { ok: true, outcome, change: { fence: run.firstSeen, applied } };
  } catch (error) {
    return { ok: false, error, change: mayHaveApplied(error) ? { fence: run.firstSeen } : undefined };
  }
}

/** Only TEO's own refusal, or reading the previous key back, proves a failed rotation changed nothing. */
const mayHaveApplied = (error: unknown) =>
  error instanceof TeoRefused
    ? error.code.startsWith('InternalError')
    : !(
        error instanceof CredentialsUnavailable ||
        (error instanceof TeoUnreachable && error.keyState === 'unchanged')
      );

/** TEO failed or throttled: the same call may succeed later. */
const isRetryableRefusal = (error: unknown): error is TeoRefused =>
  error instanceof TeoRefused && /^(?:InternalError|RequestLimitExceeded)/.test(error.code);

/** What Describe shows of the zone, against the requested key. */
type Seen =
  | { readonly state: 'live'; readonly requestId: string }
  | { readonly state: 'none' | 'other' | 'unknown' };

/** The call a zone needs, by what Describe showed; when it could not tell, the one tried last. */
const writeFor = (seen: Seen, tried: KeyWrite): KeyWrite =>
  seen.state === 'none' ? 'Create' : seen.state === 'other' ? 'Modify' : tried;

async function withRetries(
  rotation: RotationRequest,
  teo: TeoGateway,
  retry: RetryPolicy,
  run: RotationRun,
  first: KeyWrite,
): Promise<RotationOutcome> {
  let write = first;
  let failure: unknown;
  /** Whether the next attempt repeats a failed call, and so waits first; the other call is sent at once. */
  let repeat = false;
  /** Whether an attempt may have set the key and no Describe has shown since that it did not. */
  let unsettled = false;
  for (let attempt = 1; attempt <= retry.maxAttempts; attempt += 1) {
    if (attempt > 1) {
      const delay = repeat ? backoffMs(retry, attempt - 1, run.clock.random()) : 0;
      if (run.clock.now() + delay + MIN_ATTEMPT_MS > run.deadline) break;
      if (repeat) await run.clock.sleep(delay);
    }
    const tried = write;
    try {
      const requestId = await timed(run, tried, (deadline) => teo.writeSecretKey(tried, rotation, deadline));
      return { requestId, ...(tried === 'Create' && { firstKey: true }) };
    } catch (error) {
      failure = error;
    }
    repeat = true;
    if (isRetryableRefusal(failure)) {
      unsettled ||= failure.code.startsWith('InternalError');
      continue;
    }
    // No credentials, so this attempt was not sent: the key is as the earlier attempts left it.
    if (failure instanceof CredentialsUnavailable && unsettled) {
      throw new TeoUnreachable(
        'unsettled',
        'The credentials for a later attempt could not be had',
        'unknown',
        {
          cause: failure,
        },
      );
    }
    // Refused credentials are mended by fresh ones (lib/handlers/config/config-source.ts), not by another call.
    const refusedForGood = failure instanceof TeoRefused && !refusesCredentials(failure);
    if (!(failure instanceof TeoUnreachable || refusedForGood)) throw failure;
    const seen = await readZone(rotation, teo, run);
    if (seen.state === 'live') {
      return {
        requestId: seen.requestId,
        settledBy: 'DescribeMultiPathGatewaySecretKey',
        ...(tried === 'Create' && { firstKey: true }),
      };
    }
    write = writeFor(seen, tried);
    unsettled = seen.state === 'unknown' && (unsettled || failure instanceof TeoUnreachable);
    if (failure instanceof TeoUnreachable) {
      const keyState = seen.state === 'unknown' ? 'unknown' : 'unchanged';
      failure = new TeoUnreachable(failure.reason, failure.message, keyState, { cause: failure });
      continue;
    }
    // TEO refused this call for good: only the other one can succeed, and only where Describe shows it is needed
    // (a Modify on a zone with no key, or a Create on a zone that someone gave a key meanwhile). The refusal proves
    // nothing changed only if no earlier attempt may have set the key.
    if (write === tried) {
      if (!unsettled) throw failure;
      throw new TeoUnreachable(
        'unsettled',
        'TEO refused a later attempt, after one whose outcome could not be settled',
        'unknown',
        { cause: failure },
      );
    }
    repeat = false;
  }
  throw failure;
}

/** Whether the requested key is now the zone's key, or which other state it is in; 'unknown' when TEO cannot say. */
async function readZone(rotation: RotationRequest, teo: TeoGateway, run: RotationRun): Promise<Seen> {
  if (run.clock.now() + MIN_ATTEMPT_MS > run.deadline) return { state: 'unknown' };
  try {
    const current = await describeZone(rotation.zoneId, teo, run);
    if (current.secretKey === undefined) return { state: 'none' };
    return sameKey(current.secretKey, rotation.secretKey)
      ? { state: 'live', requestId: current.requestId }
      : { state: 'other' };
  } catch {
    return { state: 'unknown' };
  }
}

/** DescribeMultiPathGatewaySecretKey, timed and counted: what the zone holds now, if anything. */
export const describeZone = (zoneId: string, teo: TeoGateway, run: RotationRun): Promise<ZoneKey> =>
  timed(run, 'Describe', (deadline) => teo.describeSecretKey(zoneId, deadline));

/** Describe, compared in constant time with the requested key (which it never shows). */
export async function isRequestedKeyLive(rotation: RotationRequest, teo: TeoGateway, run: RotationRun) {
  const current = await describeZone(rotation.zoneId, teo, run);
  const live = current.secretKey !== undefined && sameKey(current.secretKey, rotation.secretKey);
  return { live, requestId: current.requestId } as const;
}

/** A TEO call at the run's pace, bounded by the deadline, its latency reported whatever the outcome. */
export async function timed<T>(
  run: RotationRun,
  action: KeyWrite | 'Describe',
  call: (deadline: number) => Promise<T>,
) {
  // The wait for the pace is not TEO's latency.
  await run.pace?.(action);
  const took = run.onTeoCall(action);
  const started = run.clock.now();
  try {
    return await call(run.deadline);
  } finally {
    took(run.clock.now() - started);
  }
}
