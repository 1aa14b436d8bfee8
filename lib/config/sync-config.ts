// docs/contract.md §3 and §8: the sync function's environment: its bindings and the secrets managers' credentials.

import type { FunctionConfig } from '#lib/config/config-source.ts';
import { allOf, invalid, type Loaded, mapLoaded, valid } from '#lib/config/loaded.ts';
import {
  type Environment,
  readTeoAccess,
  TENCENT_SECRET_FIELDS,
  type TeoAccess,
} from '#lib/config/teo-access.ts';
import { readZoneWriters } from '#lib/config/zone-writers.ts';
import type { Binding } from '#lib/sync/bindings.ts';
import type { ManagerCredentials } from '#lib/sync/secret-readers.ts';

/** The sync function's: the bindings, and the managers' credentials and webhook secrets (from the secret). */
export interface SyncConfig extends TeoAccess {
  readonly bindings: readonly Binding[];
  readonly managers: ManagerCredentials;
  readonly webhookSecrets: { readonly doppler: string | undefined; readonly infisical: string | undefined };
}

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
  });
  return mapLoaded(parts, ({ access, bindings, managers }) => ({
    ...access,
    bindings,
    managers,
    webhookSecrets: {
      doppler: env.DOPPLER_WEBHOOK_SECRET || undefined,
      infisical: env.INFISICAL_WEBHOOK_SECRET || undefined,
    },
  }));
}

/** The managers' credentials, as the kinds of source the bindings read require them. */
function managersFor(bindings: readonly Binding[], env: Environment): Loaded<ManagerCredentials> {
  const kinds = new Set(bindings.map(({ source }) => source.kind));
  const problems = [
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
