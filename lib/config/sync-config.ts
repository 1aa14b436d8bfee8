// docs/contract.md §3 and §8: the sync function's environment: its bindings and the secrets managers' credentials.
import { type Environment, type Loaded, readTeoAccess, type TeoAccess } from '#lib/config/teo-access.ts';
import { type Binding, parseBindings } from '#lib/sync/bindings.ts';
import type { ManagerCredentials } from '#lib/sync/secret-readers.ts';

/** The sync function's: the bindings, and the managers' credentials and webhook secrets (from the secret). */
export interface SyncConfig extends TeoAccess {
  readonly bindings: readonly Binding[];
  readonly managers: ManagerCredentials;
  readonly webhookSecrets: { readonly doppler: string | undefined; readonly infisical: string | undefined };
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
