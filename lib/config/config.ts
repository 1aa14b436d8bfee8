// docs/contract.md §3: the rotate function's environment: TEO access and its callers (ROTATOR_CLIENTS).
import { parseCallers } from '#lib/config/callers.ts';
import { allOf, type Loaded, mapLoaded } from '#lib/config/loaded.ts';
import { type Environment, readTeoAccess, type TeoAccess } from '#lib/config/teo-access.ts';
import type { Caller } from '#lib/domain/caller.ts';

/** The rotate function's: TEO access, and its callers. */
export interface RotatorConfig extends TeoAccess {
  readonly callers: readonly Caller[];
}

export type LoadedConfig = Loaded<RotatorConfig>;

export const loadConfig = (env: Environment): LoadedConfig =>
  mapLoaded(
    allOf({ access: readTeoAccess(env), callers: parseCallers(env.ROTATOR_CLIENTS) }),
    ({ access, callers }) => ({
      ...access,
      callers,
    }),
  );
