// docs/contract.md §3: the rotate function's environment: TEO access, its callers (ROTATOR_CLIENTS), and the zones
// other writers own (ROTATOR_SM_ZONES, ROTATOR_SYNC_BINDINGS).

import type { Caller } from '#lib/domain/caller.ts';
import { writerOf, type ZoneWriters } from '#lib/domain/zone-writers.ts';
import { parseCallers } from '#lib/handlers/config/callers.ts';
import type { FunctionConfig } from '#lib/handlers/config/config-source.ts';
import { allOf, invalid, type Loaded, valid } from '#lib/handlers/config/loaded.ts';
import {
  type Environment,
  readTeoAccess,
  TENCENT_SECRET_FIELDS,
  type TeoAccess,
} from '#lib/handlers/config/teo-access.ts';
import { readZoneWriters, writerVariable } from '#lib/handlers/config/zone-writers.ts';

/** The rotate function's: TEO access, its callers, and the zones written by someone else. */
export interface RotatorConfig extends TeoAccess {
  readonly callers: readonly Caller[];
  readonly writers: ZoneWriters;
}

export type LoadedConfig = Loaded<RotatorConfig>;

/** Its secret: the Tencent credentials and the callers (theirs alone: no other function reads them). */
export const rotatorConfig: FunctionConfig<RotatorConfig> = {
  load: (env) => loadConfig(env),
  secretFields: [...TENCENT_SECRET_FIELDS, 'ROTATOR_CLIENTS'],
};

export function loadConfig(env: Environment): LoadedConfig {
  const parts = allOf({
    access: readTeoAccess(env),
    callers: parseCallers(env.ROTATOR_CLIENTS),
    writers: readZoneWriters(env),
  });
  if (!parts.ok) return parts;
  const { access, callers, writers } = parts.config;
  // A caller granted a zone by name that another writer owns: refused here; one granted `*` is refused per request.
  const taken = callers.flatMap(({ name, zones }) =>
    zones === '*'
      ? []
      : [...zones].flatMap((zoneId) => {
          const writer = writerOf(writers, zoneId);
          return writer
            ? [
                `ROTATOR_CLIENTS: ${name} is granted ${zoneId}, which ${writerVariable(writer)} makes another writer's: each zone has one writer`,
              ]
            : [];
        }),
  );
  return taken.length > 0 ? invalid(...taken) : valid({ ...access, callers, writers });
}
