// docs/contract.md §3: the Secrets Manager rotation function's environment.
import { parseZoneGrant } from '#lib/config/callers.ts';
import { allOf, invalid, type Loaded, mapLoaded, valid } from '#lib/config/loaded.ts';
import { type Environment, readTeoAccess, type TeoAccess } from '#lib/config/teo-access.ts';
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

export const loadSecretsManagerConfig = (env: Environment): Loaded<SecretsManagerConfig> =>
  mapLoaded(
    allOf({ access: readTeoAccess(env), zones: zonesOf(env.ROTATOR_SM_ZONES), secretPrefix: prefixOf(env) }),
    ({ access, zones, secretPrefix }) => ({ ...access, zones, secretPrefix }),
  );

const zonesOf = (raw: string | undefined): Loaded<ZoneGrant> => {
  const zones = raw === undefined ? undefined : parseZoneGrant(raw);
  return zones === undefined
    ? invalid(`ROTATOR_SM_ZONES must be * or a comma-separated list of zone ids (${ZONE_ID_RULE})`)
    : valid(zones);
};

const prefixOf = (env: Environment): Loaded<string> => {
  const prefix = env.ROTATOR_SM_SECRET_PREFIX || DEFAULT_SECRET_PREFIX;
  return /^[A-Za-z0-9/_+=.@-]{1,256}$/.test(prefix)
    ? valid(prefix)
    : invalid('ROTATOR_SM_SECRET_PREFIX must be a secret name prefix: letters, digits and /_+=.@-');
};
