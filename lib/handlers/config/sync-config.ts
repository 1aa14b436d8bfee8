// docs/contract.md §3 and §8: the sync function's environment: its bindings and the secrets managers' credentials.

import { isLoopbackHost } from '#lib/adapters/http/loopback.ts';
import type { ManagerCredentials } from '#lib/adapters/managers/secret-readers.ts';
import type { Binding } from '#lib/domain/sync/binding.ts';
import type { FunctionConfig } from '#lib/handlers/config/config-source.ts';
import { allOf, invalid, type Loaded, mapLoaded, valid } from '#lib/handlers/config/loaded.ts';
import {
  type Environment,
  readTeoAccess,
  TENCENT_SECRET_FIELDS,
  type TeoAccess,
} from '#lib/handlers/config/teo-access.ts';
import { readZoneWriters } from '#lib/handlers/config/zone-writers.ts';

/** The sync function's: the bindings, and the managers' credentials and webhook secrets (from the secret). */
export interface SyncConfig extends TeoAccess {
  readonly bindings: readonly Binding[];
  /** TEO calls a second per action this instance sends at most (ROTATOR_SYNC_TEO_RATE), and bindings at once. */
  readonly pacing: { readonly teoRatePerSecond: number; readonly concurrency: number };
  readonly managers: ManagerCredentials;
  readonly webhookSecrets: { readonly doppler: string | undefined; readonly infisical: string | undefined };
}

/**
 * TEO allows 20 calls a second per action for the account. Sync runs in at most two instances at once (its reserved
 * concurrency), each at this rate by default: 16 a second in all, leaving 4 for the HTTP rotations, dry runs and
 * zone statuses.
 */
const DEFAULT_TEO_RATE = 8;
const MAX_TEO_RATE = 20;
/** Enough to hide TEO's and the managers' latency at that rate; each binding in flight holds its own zone. */
const DEFAULT_CONCURRENCY = 4;
const MAX_CONCURRENCY = 32;

/** A whole number from 1 to `max`, or the default when unset. */
const wholeIn = (env: Environment, name: string, fallback: number, max: number): Loaded<number> => {
  const raw = env[name];
  if (raw === undefined || raw === '') return valid(fallback);
  const value = Number(raw);
  return Number.isInteger(value) && value >= 1 && value <= max
    ? valid(value)
    : invalid(`${name} must be a whole number from 1 to ${max}`);
};

/** Its secret: the Tencent credentials and the managers' tokens and webhook secrets. */
export const syncConfig: FunctionConfig<SyncConfig> = {
  load: (env) => loadSyncConfig(env),
  secretFields: [
    ...TENCENT_SECRET_FIELDS,
    'DOPPLER_TOKEN',
    'DOPPLER_WEBHOOK_SECRET',
    'INFISICAL_CLIENT_ID',
    'INFISICAL_CLIENT_SECRET',
    'INFISICAL_WEBHOOK_SECRET',
  ],
};

export function loadSyncConfig(env: Environment): Loaded<SyncConfig> {
  const writers = readZoneWriters(env);
  // Its own list must be there (empty turns sync off); the other functions read it only to know the writers.
  const bindings = !env.ROTATOR_SYNC_BINDINGS?.trim()
    ? invalid('ROTATOR_SYNC_BINDINGS is not set')
    : mapLoaded(writers, ({ bindings }) => bindings);
  const parts = allOf({
    access: readTeoAccess(env),
    bindings,
    // Only a valid list tells which managers need credentials.
    managers: bindings.ok ? managersFor(bindings.config, env) : valid({}),
    teoRatePerSecond: wholeIn(env, 'ROTATOR_SYNC_TEO_RATE', DEFAULT_TEO_RATE, MAX_TEO_RATE),
    concurrency: wholeIn(env, 'ROTATOR_SYNC_CONCURRENCY', DEFAULT_CONCURRENCY, MAX_CONCURRENCY),
  });
  return mapLoaded(parts, ({ access, bindings, managers, teoRatePerSecond, concurrency }) => ({
    ...access,
    bindings,
    pacing: { teoRatePerSecond, concurrency },
    managers,
    webhookSecrets: {
      doppler: env.DOPPLER_WEBHOOK_SECRET || undefined,
      infisical: env.INFISICAL_WEBHOOK_SECRET || undefined,
    },
  }));
}

/**
 * Where each manager's credentials may go: its vendor's own hosts unless the deployment names others (a self-hosted
 * Infisical, say), and a loopback address (an emulator). One Doppler token and one Infisical identity serve every
 * binding, so a binding naming any other host would hand them to it.
 */
const MANAGER_HOSTS = {
  doppler: { variable: 'DOPPLER_API_HOSTS', field: 'apiUrl', vendor: ['api.doppler.com'] },
  infisical: {
    variable: 'INFISICAL_SITE_HOSTS',
    field: 'siteUrl',
    vendor: ['app.infisical.com', 'eu.infisical.com'],
  },
} as const;

function foreignHosts(bindings: readonly Binding[], env: Environment): string[] {
  return bindings.flatMap(({ zoneId, source }) => {
    if (source.kind === 'aws-secrets-manager') return [];
    const { variable, field, vendor } = MANAGER_HOSTS[source.kind];
    const named = env[variable]?.trim();
    const allowed: readonly string[] = named ? named.split(',').map((host) => host.trim()) : vendor;
    const { hostname } = new URL(source.kind === 'doppler' ? source.apiUrl : source.siteUrl);
    if (isLoopbackHost(hostname) || allowed.includes(hostname)) return [];
    return [
      `ROTATOR_SYNC_BINDINGS: the ${field} of ${zoneId}'s binding is not among ${variable} (unset: ${vendor.join(', ')}): the ${source.kind} credentials go only to its own hosts`,
    ];
  });
}

/** The managers' credentials, as the kinds of source the bindings read require them, for their hosts alone. */
function managersFor(bindings: readonly Binding[], env: Environment): Loaded<ManagerCredentials> {
  const kinds = new Set(bindings.map(({ source }) => source.kind));
  const problems = [
    ...foreignHosts(bindings, env),
    ...(kinds.has('doppler') && !env.DOPPLER_TOKEN
      ? ['DOPPLER_TOKEN is not set, and a binding reads Doppler']
      : []),
    ...(kinds.has('infisical') && !(env.INFISICAL_CLIENT_ID && env.INFISICAL_CLIENT_SECRET)
      ? ['INFISICAL_CLIENT_ID and INFISICAL_CLIENT_SECRET are not set, and a binding reads Infisical']
      : []),
  ];
  if (problems.length > 0) return invalid(...problems);
  return valid({
    dopplerToken: env.DOPPLER_TOKEN,
    infisicalClientId: env.INFISICAL_CLIENT_ID,
    infisicalClientSecret: env.INFISICAL_CLIENT_SECRET,
  });
}
