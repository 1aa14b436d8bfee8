// docs/contract.md §3: the Secrets Manager rotation function's environment.

import type { FunctionConfig } from '#lib/handlers/config/config-source.ts';
import { allOf, invalid, type Loaded, mapLoaded } from '#lib/handlers/config/loaded.ts';
import {
  type Environment,
  readTeoAccess,
  TENCENT_SECRET_FIELDS,
  type TeoAccess,
} from '#lib/handlers/config/teo-access.ts';
import { readZoneWriters } from '#lib/handlers/config/zone-writers.ts';

/**
 * The Secrets Manager rotation function's: the zones it may rotate (ROTATOR_SM_ZONES), and the prefix of the
 * secrets' names (ROTATOR_SM_SECRET_PREFIX): a secret rotates only the zone its name ends with.
 */
export interface SecretsManagerConfig extends TeoAccess {
  readonly zones: ReadonlySet<string>;
  readonly secretPrefix: string;
}

/** Its secret: the Tencent credentials alone. */
export const secretsManagerConfig: FunctionConfig<SecretsManagerConfig> = {
  load: (env) => loadSecretsManagerConfig(env),
  secretFields: TENCENT_SECRET_FIELDS,
};

export function loadSecretsManagerConfig(env: Environment): Loaded<SecretsManagerConfig> {
  const writers = readZoneWriters(env);
  // Nothing to rotate is a deployment fault here, unlike in the functions that only need to know the list.
  const zones =
    writers.ok && writers.config.secretsManagerZones.size === 0
      ? invalid('ROTATOR_SM_ZONES is not set')
      : writers;
  return mapLoaded(allOf({ access: readTeoAccess(env), writers: zones }), ({ access, writers }) => ({
    ...access,
    zones: writers.secretsManagerZones,
    secretPrefix: writers.secretPrefix,
  }));
}
