// SPEC §3: the environment, read and validated once per cold start. Problems name the variable, never a value.
import { type Caller, parseCallers } from '#lib/callers.ts';
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

export interface RotatorConfig {
  readonly teo: TeoSettings;
  readonly callers: readonly Caller[];
  /** The DynamoDB table of the rotation ledger; unset, the ledger is in memory (one instance's view only). */
  readonly table: string | undefined;
}

export type LoadedConfig = { ok: true; config: RotatorConfig } | { ok: false; problems: readonly string[] };

type Environment = Readonly<Record<string, string | undefined>>;

const DEFAULT_ENDPOINT = 'https://teo.intl.tencentcloudapi.com';
const DEFAULT_TIMEOUT_MS = 5000;
const MAX_TIMEOUT_MS = 60_000;

export function loadConfig(env: Environment): LoadedConfig {
  const problems: string[] = [];
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
  const callers = parseCallers(env.ROTATOR_CLIENTS);
  if (!callers.ok) problems.push(...callers.problems);
  const table = env.ROTATOR_TABLE || undefined;
  if (table !== undefined && !/^[A-Za-z0-9_.-]{3,255}$/.test(table)) {
    problems.push('ROTATOR_TABLE must be a DynamoDB table name: 3 to 255 letters, digits, _ . or -');
  }

  if (problems.length > 0 || typeof endpoint === 'string' || !callers.ok) return { ok: false, problems };
  return { ok: true, config: { teo: { endpoint, timeoutMs, credentials }, callers: callers.callers, table } };
}
