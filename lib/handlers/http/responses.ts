// docs/contract.md §2's answers: the success body, and every error mapped to its status, code and headers in one place.
import {
  AuthenticationFailed,
  BodyTooLarge,
  CallerNotAuthorized,
  ConfigurationInvalid,
  DeadlineExceeded,
  InvalidRequest,
  MethodNotAllowed,
  RotationConflict,
  RouteNotFound,
  UnsupportedMediaType,
} from '#lib/domain/errors.ts';
import { type AppliedRotation, needsAttention, type SyncHealth } from '#lib/domain/ledger/rotation-ledger.ts';
import type { Rehearsal } from '#lib/domain/rotation/rotate-zone.ts';
import type { RotationOutcome } from '#lib/domain/rotation/send-key.ts';
import type { SyncedBinding, SyncOutcome } from '#lib/domain/sync/sync-binding.ts';
import {
  CredentialsUnavailable,
  type KeyState,
  refusesCredentials,
  TeoRefused,
  TeoUnreachable,
} from '#lib/domain/teo-errors.ts';

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly requestId?: string | undefined;
  readonly headers?: Readonly<Record<string, string>>;
}

/** An answer about a live key must never be served from a cache. */
const json = (
  statusCode: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): HttpResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(body),
});

/**
 * TEO's RequestId; the live key's fingerprint (the caller cannot make it: the fingerprint is keyed); when a lost
 * answer was settled by reading the key back, which call confirmed it; and whether the rotation set the zone's
 * first key.
 */
export const rotatedResponse = (
  { requestId, settledBy, firstKey }: RotationOutcome,
  keyFingerprint: string,
) =>
  json(200, {
    RequestId: requestId,
    KeyFingerprint: keyFingerprint,
    ...(settledBy && { SettledBy: settledBy }),
    ...(firstKey && { FirstKey: true }),
  });

/**
 * docs/contract.md §7: a rehearsal proved the rotation would be sent; Describe's RequestId shows TEO was reached,
 * HasKey whether the rotation would replace the zone's key or create its first, and Live whether the requested key
 * (KeyFingerprint) is the one TEO holds already.
 */
export const dryRunResponse = ({ requestId, hasKey, live }: Rehearsal, keyFingerprint: string) =>
  json(200, {
    DryRun: true,
    RequestId: requestId,
    HasKey: hasKey,
    KeyFingerprint: keyFingerprint,
    Live: live,
  });

export interface ZoneStatus {
  readonly zoneId: string;
  /** Undefined when the zone has no key yet. */
  readonly liveKeyFingerprint: string | undefined;
  readonly requestId: string;
  readonly lastRotation: AppliedRotation | undefined;
  /** A zone bound to a secret: what its syncs found (undefined health before the first ended). */
  readonly sync?: { readonly health: SyncHealth | undefined };
}

/**
 * docs/contract.md §7: whether the zone has a key and which is live (by fingerprint; null before its first key), and
 * the last rotation the function applied.
 */
export const zoneStatusResponse = ({
  zoneId,
  liveKeyFingerprint,
  requestId,
  lastRotation,
  sync,
}: ZoneStatus) =>
  json(200, {
    ZoneId: zoneId,
    HasKey: liveKeyFingerprint !== undefined,
    LiveKeyFingerprint: liveKeyFingerprint ?? null,
    RequestId: requestId,
    LastRotation: lastRotation
      ? {
          At: new Date(lastRotation.at).toISOString(),
          By: lastRotation.by,
          RequestId: lastRotation.requestId,
          KeyFingerprint: lastRotation.keyFingerprint,
          Live: lastRotation.keyFingerprint === liveKeyFingerprint,
        }
      : null,
    // A bound zone's syncs: when one last found TEO holding the secret's value, and whether they keep failing.
    ...(sync && {
      Sync: {
        LastVerified:
          sync.health?.lastVerified === undefined ? null : new Date(sync.health.lastVerified).toISOString(),
        ConsecutiveFailures: sync.health?.consecutiveFailures ?? 0,
        NeedsAttention: needsAttention(sync.health),
      },
    }),
  });

/** What a sender is answered: 2xx once every binding is synced or found in sync, an honest error otherwise. */
const SYNC_STATUS: Record<SyncOutcome, number> = {
  synced: 200,
  'in-sync': 200,
  replayed: 200,
  'invalid-value': 422,
  failed: 502,
  // Not reached before the deadline: the sender sends it again.
  deferred: 503,
};

/** docs/contract.md §8: a webhook's answer, each binding's outcome, the worst deciding the status. */
export const syncResultsResponse = (results: readonly SyncedBinding[]) =>
  json(Math.max(200, ...results.map(({ outcome, conflict }) => (conflict ? 409 : SYNC_STATUS[outcome]))), {
    Results: results.map(({ zoneId, outcome }) => ({ ZoneId: zoneId, Outcome: outcome })),
  });

export const refusalResponse = ({ status, code, message, requestId, headers }: Refusal) =>
  json(
    status,
    { Error: { Code: code, Message: message }, ...(requestId && { RequestId: requestId }) },
    headers,
  );

const RETRY_AFTER_SECONDS = '1';

/** A rotation is a hard cutover: every failure says what is known of the zone's key. */
const KEY_STATE: Record<KeyState, string> = {
  unchanged: 'DescribeMultiPathGatewaySecretKey shows the previous key still live.',
  unknown:
    'Whether the requested key is live is unknown: send the same request again (rotating to the same key twice is harmless).',
};

/**
 * The one place that decides what each error is answered with. `keySent`: a Modify or Create was sent, so a failure
 * that is not TEO's own word on the key must say the key's state is unknown.
 */
export function refusalFor(
  error: unknown,
  { keySent = false }: { readonly keySent?: boolean } = {},
): Refusal {
  const ifKeySent = (message: string) => (keySent ? `${message} ${KEY_STATE.unknown}` : message);
  if (error instanceof InvalidRequest) return { status: 400, code: error.code, message: error.message };
  if (error instanceof BodyTooLarge)
    return { status: 413, code: 'RequestSizeLimitExceeded', message: error.message };
  if (error instanceof UnsupportedMediaType)
    return { status: 415, code: 'UnsupportedMediaType', message: error.message };
  if (error instanceof RouteNotFound) return { status: 404, code: 'NotFound', message: error.message };
  if (error instanceof MethodNotAllowed) {
    return { status: 405, code: 'MethodNotAllowed', message: error.message, headers: { allow: error.allow } };
  }
  if (error instanceof AuthenticationFailed) {
    return {
      status: 401,
      code: 'AuthFailure',
      message: error.message,
      headers: { 'www-authenticate': 'Bearer realm="teo-key-rotator"' },
    };
  }
  if (error instanceof CallerNotAuthorized) {
    return { status: 403, code: 'UnauthorizedOperation', message: error.message };
  }
  if (error instanceof RotationConflict) return { status: 409, code: error.code, message: error.message };
  if (error instanceof TeoRefused) return teoRefusal(error);
  if (error instanceof TeoUnreachable) {
    return error.reason === 'timeout'
      ? {
          status: 504,
          code: 'RequestTimeout',
          message: `TEO did not answer within the deadline. ${KEY_STATE[error.keyState]}`,
        }
      : {
          status: 502,
          code: 'InternalError',
          message: `TEO failed (${error.reason}). ${KEY_STATE[error.keyState]}`,
        };
  }
  if (error instanceof CredentialsUnavailable) {
    return {
      status: 502,
      code: 'CredentialsUnavailable',
      // Never sent; had an earlier attempt been (its outcome unknown), send-key says so instead (TeoUnreachable).
      message: `The function could not get its Tencent credentials: ${error.message}. Nothing was sent to TEO.`,
    };
  }
  if (error instanceof DeadlineExceeded) {
    return {
      status: 504,
      code: 'RequestTimeout',
      message: ifKeySent('The function ran out of time before TEO answered.'),
    };
  }
  // Its own code: checked before anything else, so nothing was sent, and a client can say so.
  if (error instanceof ConfigurationInvalid) {
    return {
      status: 500,
      code: 'FunctionMisconfigured',
      message: 'The function is misconfigured; its log says how. Nothing was sent to TEO.',
    };
  }
  return { status: 500, code: 'InternalError', message: ifKeySent('Internal error.') };
}

/** TEO's own code is kept; whose fault it is decides the status. TEO's message is never passed on. */
function teoRefusal(refusal: TeoRefused): Refusal {
  const { action, code, requestId } = refusal;
  const withId = { requestId };
  if (code.startsWith('RequestLimitExceeded')) {
    return {
      status: 429,
      code: 'RequestLimitExceeded',
      message: 'TEO is throttling rotations; retry later.',
      headers: { 'retry-after': RETRY_AFTER_SECONDS },
      ...withId,
    };
  }
  if (refusesCredentials(refusal)) {
    return {
      status: 502,
      code,
      message: "TEO rejected the function's own Tencent Cloud credentials: a deployment fault.",
      ...withId,
    };
  }
  if (code.startsWith('InternalError'))
    return { status: 502, code, message: `TEO failed internally. ${KEY_STATE.unknown}`, ...withId };
  return { status: 422, code, message: `TEO refused ${action} (${code}).`, ...withId };
}
