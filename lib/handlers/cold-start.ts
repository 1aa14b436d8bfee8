// What every entry point (functions/) does at cold start: the configuration's source, read at once, so that the
// secret's read overlaps the runtime's own start, and an invalid configuration said once, at ERROR, when it is found.

import { writeLogLine } from '#lib/handlers/audit/log-line.ts';
import { type ConfigSource, configSource, type FunctionConfig } from '#lib/handlers/config/config-source.ts';

export function coldStartSource<T>(
  functionConfig: FunctionConfig<T>,
  { refused, loaded = () => undefined }: { readonly refused: string; readonly loaded?: (config: T) => void },
): ConfigSource<T> {
  const source = configSource(process.env, functionConfig);
  void source.current().then((read) => {
    if (read.ok) loaded(read.config);
    else writeLogLine('ERROR', `invalid configuration: ${refused}`, { problems: read.problems });
  });
  return source;
}
