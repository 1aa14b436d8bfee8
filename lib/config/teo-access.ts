// docs/contract.md §3: what every function reads from the environment to reach TEO, the ledger's table and the
// event bus, validated once per cold start. Problems name the variable, never a value.
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

export type Loaded<T> = { ok: true; config: T } | { ok: false; problems: readonly string[] };

export type Environment = Readonly<Record<string, string | undefined>>;

const DEFAULT_ENDPOINT = 'https://teo.intl.tencentcloudapi.com';
const DEFAULT_TIMEOUT_MS = 5000;
const MAX_TIMEOUT_MS = 60_000;

/** The variables every function reads; each problem goes to `problems`, naming the variable, never a value. */
export function readTeoAccess(env: Environment, problems: string[]): TeoAccess | undefined {
  const required = (name: string) => {
    const value = env[name];
    if (value === undefined || value === '') problems.push(`${name} is not set`);
    return value ?? '';
  };
  const credentials: TencentCredentials = {
    secretId: required('TENCENTCLOUD_SECRET_ID'),
    secretKey: required('TENCENTCLOUD_SECRET_KEY'),
    ...(env.TENCENTCLOUD_SESSION_TOKEN ? { sessionToken: env.TENCENTCLOUD_SESSION_TOKEN } : {}),
  };
  const endpoint = parseTeoEndpoint(env.TEO_ENDPOINT || DEFAULT_ENDPOINT);
  if (typeof endpoint === 'string') problems.push(endpoint);
  const timeoutMs = Number(env.TEO_TIMEOUT_MS || DEFAULT_TIMEOUT_MS);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
    problems.push(`TEO_TIMEOUT_MS must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`);
  }
  const table = env.ROTATOR_TABLE || undefined;
  if (table !== undefined && !/^[A-Za-z0-9_.-]{3,255}$/.test(table)) {
    problems.push('ROTATOR_TABLE must be a DynamoDB table name: 3 to 255 letters, digits, _ . or -');
  }
  const eventBus = env.ROTATOR_EVENT_BUS || undefined;
  if (
    eventBus !== undefined &&
    !/^(?:[A-Za-z0-9._/-]{1,256}|arn:[a-z-]+:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._/-]{1,256})$/.test(
      eventBus,
    )
  ) {
    problems.push('ROTATOR_EVENT_BUS must be an EventBridge bus name (such as default) or its ARN');
  }
  if (typeof endpoint === 'string') return undefined;
  return { teo: { endpoint, timeoutMs, credentials }, table, eventBus };
}
