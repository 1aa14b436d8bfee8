// docs/contract.md §3: what every function reads from the environment to reach TEO, the ledger's table and the
// event bus, validated once per cold start. Problems name the variable, never a value.

import { parseTeoEndpoint, type TeoEndpoint } from '#lib/adapters/teo/endpoint.ts';
import type { TeoSettings } from '#lib/adapters/teo/teo-settings.ts';
import {
  type KeyFingerprint,
  keyFingerprinter,
  MIN_FINGERPRINT_KEY_CHARS,
} from '#lib/domain/key-fingerprint.ts';
import { allOf, invalid, type Loaded, mapLoaded, valid } from '#lib/handlers/config/loaded.ts';
import { tencentAuthOf } from '#lib/handlers/config/tencent-auth.ts';

/** What every function needs: access to TEO, the ledger's table and the event bus, and how keys are named. */
export interface TeoAccess {
  readonly teo: TeoSettings;
  /** The deployment's keyed fingerprint (ROTATOR_FINGERPRINT_KEY): the same in every function, so records agree. */
  readonly fingerprint: KeyFingerprint;
  /** The DynamoDB table of the rotation ledger; unset, the ledger is in memory (one instance's view only). */
  readonly table: string | undefined;
  /** The EventBridge bus that hears of every applied rotation (ROTATOR_EVENT_BUS); unset, none does. */
  readonly eventBus: string | undefined;
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** The secret fields every function uses: its Tencent credentials. */
export const TENCENT_SECRET_FIELDS = [
  'TENCENTCLOUD_SECRET_ID',
  'TENCENTCLOUD_SECRET_KEY',
  'TENCENTCLOUD_SESSION_TOKEN',
] as const;

const DEFAULT_ENDPOINT = 'https://teo.intl.tencentcloudapi.com';
const DEFAULT_TIMEOUT_MS = 5000;
const MAX_TIMEOUT_MS = 60_000;

/** The variables every function reads. */
export function readTeoAccess(env: Environment): Loaded<TeoAccess> {
  const endpoint = endpointOf(env.TEO_ENDPOINT || DEFAULT_ENDPOINT);
  const parts = allOf({
    credentials: tencentAuthOf(env, endpoint.ok ? endpoint.config : undefined),
    endpoint,
    timeoutMs: timeoutOf(Number(env.TEO_TIMEOUT_MS || DEFAULT_TIMEOUT_MS)),
    fingerprint: fingerprintOf(env.ROTATOR_FINGERPRINT_KEY),
    table: optional(
      env.ROTATOR_TABLE,
      /^[A-Za-z0-9_.-]{3,255}$/,
      'ROTATOR_TABLE must be a DynamoDB table name: 3 to 255 letters, digits, _ . or -',
    ),
    eventBus: optional(
      env.ROTATOR_EVENT_BUS,
      /^(?:[A-Za-z0-9._/-]{1,256}|arn:[a-z-]+:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._/-]{1,256})$/,
      'ROTATOR_EVENT_BUS must be an EventBridge bus name (such as default) or its ARN',
    ),
  });
  return mapLoaded(parts, ({ credentials, endpoint, timeoutMs, fingerprint, table, eventBus }) => ({
    teo: { endpoint, timeoutMs, credentials },
    fingerprint,
    table,
    eventBus,
  }));
}

const fingerprintOf = (key: string | undefined): Loaded<KeyFingerprint> =>
  key && key.length >= MIN_FINGERPRINT_KEY_CHARS
    ? valid(keyFingerprinter(key))
    : invalid(
        `ROTATOR_FINGERPRINT_KEY must be at least ${MIN_FINGERPRINT_KEY_CHARS} random characters, the same for every function (deployed, the template generates it in the secret ROTATOR_FINGERPRINT_SECRET_ID names)`,
      );

const endpointOf = (raw: string): Loaded<TeoEndpoint> => {
  const endpoint = parseTeoEndpoint(raw);
  return typeof endpoint === 'string' ? invalid(endpoint) : valid(endpoint);
};

const timeoutOf = (ms: number): Loaded<number> =>
  Number.isInteger(ms) && ms >= 1 && ms <= MAX_TIMEOUT_MS
    ? valid(ms)
    : invalid(`TEO_TIMEOUT_MS must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`);

/** Unset or empty is undefined; anything else must match. */
const optional = (
  value: string | undefined,
  pattern: RegExp,
  problem: string,
): Loaded<string | undefined> => {
  if (!value) return valid(undefined);
  return pattern.test(value) ? valid(value) : invalid(problem);
};
