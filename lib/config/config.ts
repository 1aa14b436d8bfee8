// docs/contract.md §3: the rotate function's environment: TEO access and its callers (ROTATOR_CLIENTS).
import { parseCallers } from '#lib/config/callers.ts';
import { type Environment, type Loaded, readTeoAccess, type TeoAccess } from '#lib/config/teo-access.ts';
import type { Caller } from '#lib/domain/caller.ts';

/** The rotate function's: TEO access, and its callers. */
export interface RotatorConfig extends TeoAccess {
  readonly callers: readonly Caller[];
}

export type LoadedConfig = Loaded<RotatorConfig>;

export function loadConfig(env: Environment): LoadedConfig {
  const problems: string[] = [];
  const access = readTeoAccess(env, problems);
  const callers = parseCallers(env.ROTATOR_CLIENTS);
  if (!callers.ok) problems.push(...callers.problems);
  if (access === undefined || !callers.ok || problems.length > 0) return { ok: false, problems };
  return { ok: true, config: { ...access, callers: callers.callers } };
}
