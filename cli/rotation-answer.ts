// What the function's answer means for the key: only the documented shapes are believed, and the server's words
// reach the terminal only once made printable.

/** GET /zones/{ZoneId}'s answer, as documented. */
export interface ZoneStatusAnswer {
  readonly ZoneId: string;
  readonly HasKey: boolean;
  /** Null when the zone has no key yet. */
  readonly LiveKeyFingerprint: string | null;
  readonly RequestId: string;
  readonly LastRotation: {
    readonly At: string;
    readonly By: string;
    readonly RequestId: string;
    readonly KeyFingerprint: string;
    readonly Live: boolean;
  } | null;
  /** A zone bound to a secret: what its syncs found. */
  readonly Sync?: {
    readonly LastVerified: string | null;
    readonly ConsecutiveFailures: number;
    readonly NeedsAttention: boolean;
  };
}

export type Answer =
  | {
      readonly outcome: 'rotated';
      readonly requestId: string;
      /** The live key's fingerprint, as the function names it (the fingerprint is keyed: only it can). */
      readonly keyFingerprint?: string;
      readonly settledBy?: string;
      /** The zone had no key: this rotation created its first. */
      readonly firstKey?: true;
    }
  | {
      readonly outcome: 'dry-run';
      readonly requestId: string;
      readonly hasKey: boolean;
      /** The requested key's fingerprint, and whether TEO holds it already. */
      readonly keyFingerprint?: string;
      readonly live?: boolean;
    }
  | { readonly outcome: 'status'; readonly status: ZoneStatusAnswer }
  /** Nothing changed: the previous key is live. */
  | { readonly outcome: 'refused'; readonly code: string; readonly message: string }
  /** The requested key may or may not be live: the same request must be sent again. */
  | { readonly outcome: 'unknown'; readonly code: string; readonly message: string };

/** What a server said, made safe for a terminal: no control, escape or direction characters, and bounded. */
export const printable = (said: string) =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is removed.
  said.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '').slice(0, 300);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Only two 5xx answers prove nothing changed: the function's own misconfiguration (checked before anything is sent),
 * and a 502 or 504 saying Describe showed the previous key live. Any other may follow a key TEO applied.
 */
const PREVIOUS_KEY_LIVE = 'shows the previous key still live';
const MISCONFIGURED = 'FunctionMisconfigured';

export function readAnswer(status: number, body: string): Answer {
  if (status >= 300 && status < 400) {
    return {
      outcome: 'refused',
      code: 'Redirected',
      message: `HTTP ${status}: redirects are never followed (they would carry the key elsewhere); check --url`,
    };
  }
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    document = undefined;
  }
  if (status === 200) {
    if (
      isObject(document) &&
      typeof document.RequestId === 'string' &&
      document.RequestId !== '' &&
      Object.keys(document).every((name) => ROTATED_FIELDS.has(name))
    ) {
      return {
        outcome: 'rotated',
        requestId: printable(document.RequestId),
        ...(text(document.KeyFingerprint) && { keyFingerprint: printable(document.KeyFingerprint) }),
        ...(text(document.SettledBy) && { settledBy: printable(document.SettledBy) }),
        ...(document.FirstKey === true && { firstKey: true }),
      };
    }
    if (
      isObject(document) &&
      document.DryRun === true &&
      typeof document.RequestId === 'string' &&
      typeof document.HasKey === 'boolean'
    ) {
      return {
        outcome: 'dry-run',
        requestId: printable(document.RequestId),
        hasKey: document.HasKey,
        ...(text(document.KeyFingerprint) && { keyFingerprint: printable(document.KeyFingerprint) }),
        ...(typeof document.Live === 'boolean' && { live: document.Live }),
      };
    }
    const zone = zoneStatusOf(document);
    if (zone !== undefined) return { outcome: 'status', status: zone };
    return unknown(status, 'an answer that is not the function’s');
  }
  const error = isObject(document) && isObject(document.Error) ? document.Error : undefined;
  if (error && typeof error.Code === 'string' && typeof error.Message === 'string') {
    const answer = { code: printable(error.Code), message: printable(error.Message) };
    const keyUnknown =
      status >= 500 && error.Code !== MISCONFIGURED && !error.Message.includes(PREVIOUS_KEY_LIVE);
    return { outcome: keyUnknown ? 'unknown' : 'refused', ...answer };
  }
  // API Gateway's own answers: {"message": "Forbidden"}, a throttle, or the function having failed.
  const said = isObject(document) && typeof document.message === 'string' ? printable(document.message) : '';
  if (status >= 500) return unknown(status, said || 'an answer that is not the function’s');
  return {
    outcome: 'refused',
    code: `HTTP ${status}`,
    message: said || 'an answer that is not the function’s',
  };
}

const ROTATED_FIELDS = new Set(['RequestId', 'KeyFingerprint', 'SettledBy', 'FirstKey']);
const text = (value: unknown): value is string => typeof value === 'string';

/** A zone's status, with every field of the documented shape, made printable; else undefined. */
function zoneStatusOf(document: unknown): ZoneStatusAnswer | undefined {
  if (
    !isObject(document) ||
    !text(document.ZoneId) ||
    typeof document.HasKey !== 'boolean' ||
    // A fingerprint exactly when the zone has a key.
    (document.HasKey ? !text(document.LiveKeyFingerprint) : document.LiveKeyFingerprint !== null) ||
    !text(document.RequestId)
  ) {
    return undefined;
  }
  const last = document.LastRotation;
  const lastRotation =
    isObject(last) && text(last.At) && text(last.By) && text(last.RequestId) && text(last.KeyFingerprint)
      ? {
          At: printable(last.At),
          By: printable(last.By),
          RequestId: printable(last.RequestId),
          KeyFingerprint: printable(last.KeyFingerprint),
          Live: last.Live === true,
        }
      : null;
  if (last !== null && lastRotation === null) return undefined;
  return {
    ZoneId: printable(document.ZoneId),
    HasKey: document.HasKey,
    LiveKeyFingerprint: text(document.LiveKeyFingerprint) ? printable(document.LiveKeyFingerprint) : null,
    RequestId: printable(document.RequestId),
    LastRotation: lastRotation,
    ...(isObject(document.Sync) && {
      Sync: {
        LastVerified: text(document.Sync.LastVerified) ? printable(document.Sync.LastVerified) : null,
        ConsecutiveFailures: Number(document.Sync.ConsecutiveFailures) || 0,
        NeedsAttention: document.Sync.NeedsAttention === true,
      },
    }),
  };
}

const unknown = (status: number, what: string): Answer => ({
  outcome: 'unknown',
  code: `HTTP ${status}`,
  message: what,
});
