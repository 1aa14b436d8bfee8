// docs/contract.md §3: the Secrets Manager rotation function's environment.
import { parseZoneGrant } from '#lib/config/callers.ts';
import { type Environment, type Loaded, readTeoAccess, type TeoAccess } from '#lib/config/teo-access.ts';
import type { ZoneGrant } from '#lib/domain/caller.ts';
import { ZONE_ID_RULE } from '#lib/domain/zone-id.ts';

const DEFAULT_SECRET_PREFIX = 'teo-key-rotator/zones/';

/**
 * The Secrets Manager rotation function's: the zones it may rotate (ROTATOR_SM_ZONES), and the prefix of the
 * secrets' names (ROTATOR_SM_SECRET_PREFIX): a secret rotates only the zone its name ends with.
 */
export interface SecretsManagerConfig extends TeoAccess {
  readonly zones: ZoneGrant;
  readonly secretPrefix: string;
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
