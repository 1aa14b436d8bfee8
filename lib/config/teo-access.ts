// docs/contract.md §3: what every function reads from the environment to reach TEO, the ledger's table and the
// event bus, validated once per cold start. Problems name the variable, never a value.
import { allOf, invalid, type Loaded, mapLoaded, valid } from '#lib/config/loaded.ts';
import { parseTeoEndpoint, type TeoEndpoint } from '#lib/teo/endpoint.ts';

export interface TencentCredentials {
  readonly secretId: string;
  readonly secretKey: string;
  readonly sessionToken?: string;
}

export interface TeoSettings {
  readonly endpoint: TeoEndpoint;
  readonly timeoutMs: number;
  readonly credentials: TencentCredentials;
}

/** What every function needs: access to TEO, the ledger's table and the event bus. */
export interface TeoAccess {
  readonly teo: TeoSettings;
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
  const parts = allOf({
    secretId: required(env, 'TENCENTCLOUD_SECRET_ID'),
    secretKey: required(env, 'TENCENTCLOUD_SECRET_KEY'),
    endpoint: endpointOf(env.TEO_ENDPOINT || DEFAULT_ENDPOINT),
    timeoutMs: timeoutOf(Number(env.TEO_TIMEOUT_MS || DEFAULT_TIMEOUT_MS)),
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
  return mapLoaded(parts, ({ secretId, secretKey, endpoint, timeoutMs, table, eventBus }) => {
    const sessionToken = env.TENCENTCLOUD_SESSION_TOKEN;
    const credentials = { secretId, secretKey, ...(sessionToken ? { sessionToken } : {}) };
    return { teo: { endpoint, timeoutMs, credentials }, table, eventBus };
  });
}

const required = (env: Environment, name: string): Loaded<string> => {
  const value = env[name];
  return value ? valid(value) : invalid(`${name} is not set`);
};

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
