// docs/contract.md §3: the environment, read and validated once per cold start. Problems name the variable, never a value.

import { parseCallers, parseZoneGrant } from '#lib/config/callers.ts';
import type { Caller, ZoneGrant } from '#lib/domain/caller.ts';
import { ZONE_ID_RULE } from '#lib/domain/zone-id.ts';
import { type Binding, parseBindings } from '#lib/sync/bindings.ts';
import type { ManagerCredentials } from '#lib/sync/secret-readers.ts';
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

/** What both functions need: access to TEO, and the ledger's table. */
export interface TeoAccess {
  readonly teo: TeoSettings;
  /** The DynamoDB table of the rotation ledger; unset, the ledger is in memory (one instance's view only). */
  readonly table: string | undefined;
  /** The EventBridge bus that hears of every applied rotation (ROTATOR_EVENT_BUS); unset, none does. */
  readonly eventBus: string | undefined;
}

/** The rotate function's: and its callers. */
export interface RotatorConfig extends TeoAccess {
  readonly callers: readonly Caller[];
}

/**
 * The Secrets Manager rotation function's: the zones it may rotate (ROTATOR_SM_ZONES), and the prefix of the
 * secrets' names (ROTATOR_SM_SECRET_PREFIX): a secret rotates only the zone its name ends with.
 */
export interface SecretsManagerConfig extends TeoAccess {
  readonly zones: ZoneGrant;
  readonly secretPrefix: string;
}

/** The sync function's: the bindings, and the managers' credentials and webhook secrets (from the secret). */
export interface SyncConfig extends TeoAccess {
  readonly bindings: readonly Binding[];
  readonly managers: ManagerCredentials;
  readonly webhookSecrets: { readonly doppler: string | undefined; readonly infisical: string | undefined };
}

export type Loaded<T> = { ok: true; config: T } | { ok: false; problems: readonly string[] };
export type LoadedConfig = Loaded<RotatorConfig>;

type Environment = Readonly<Record<string, string | undefined>>;

const DEFAULT_ENDPOINT = 'https://teo.intl.tencentcloudapi.com';
const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_SECRET_PREFIX = 'teo-key-rotator/zones/';
const MAX_TIMEOUT_MS = 60_000;

export function loadConfig(env: Environment): LoadedConfig {
  const problems: string[] = [];
  const access = readTeoAccess(env, problems);
  const callers = parseCallers(env.ROTATOR_CLIENTS);
  if (!callers.ok) problems.push(...callers.problems);
  if (access === undefined || !callers.ok || problems.length > 0) return { ok: false, problems };
  return { ok: true, config: { ...access, callers: callers.callers } };
}

export function loadSecretsManagerConfig(env: Environment): Loaded<SecretsManagerConfig> {
  const problems: string[] = [];
  const access = readTeoAccess(env, problems);
  const zones = parseZoneGrant(env.ROTATOR_SM_ZONES ?? '');
  if (zones === undefined) {
    problems.push(`ROTATOR_SM_ZONES must be * or a comma-separated list of zone ids (${ZONE_ID_RULE})`);
  }
  const secretPrefix = env.ROTATOR_SM_SECRET_PREFIX || DEFAULT_SECRET_PREFIX;
  if (!/^[A-Za-z0-9/_+=.@-]{1,256}$/.test(secretPrefix)) {
    problems.push('ROTATOR_SM_SECRET_PREFIX must be a secret name prefix: letters, digits and /_+=.@-');
  }
  if (access === undefined || zones === undefined || problems.length > 0) return { ok: false, problems };
  return { ok: true, config: { ...access, zones, secretPrefix } };
}

export function loadSyncConfig(env: Environment): Loaded<SyncConfig> {
  const problems: string[] = [];
  const access = readTeoAccess(env, problems);
  const parsed = parseBindings(env.ROTATOR_SYNC_BINDINGS);
  if (!parsed.ok) problems.push(...parsed.problems);
  const kinds = new Set(parsed.ok ? parsed.bindings.map(({ source }) => source.kind) : []);
  if (kinds.has('doppler') && !env.DOPPLER_TOKEN)
    problems.push('DOPPLER_TOKEN is not set, and a binding reads Doppler');
  if (kinds.has('infisical') && !(env.INFISICAL_CLIENT_ID && env.INFISICAL_CLIENT_SECRET)) {
    problems.push(
      'INFISICAL_CLIENT_ID and INFISICAL_CLIENT_SECRET are not set, and a binding reads Infisical',
    );
  }
  if (access === undefined || !parsed.ok || problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      ...access,
      bindings: parsed.bindings,
      managers: {
        dopplerToken: env.DOPPLER_TOKEN,
        infisicalClientId: env.INFISICAL_CLIENT_ID,
        infisicalClientSecret: env.INFISICAL_CLIENT_SECRET,
      },
      webhookSecrets: {
        doppler: env.DOPPLER_WEBHOOK_SECRET || undefined,
        infisical: env.INFISICAL_WEBHOOK_SECRET || undefined,
      },
    },
  };
}

/** The variables both functions read; each problem goes to `problems`, naming the variable, never a value. */
function readTeoAccess(env: Environment, problems: string[]): TeoAccess | undefined {
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
