// Configuration as a value: each part of a function's environment is read on its own into a Loaded, and the whole
// is loaded only when every part is; otherwise it carries every part's problems at once, in the order of the parts.
// No problem ever holds a value: each names the variable and the rule.

export type Loaded<T> = { ok: true; config: T } | { ok: false; problems: readonly string[] };

export const valid = <T>(config: T): Loaded<T> => ({ ok: true, config });

export const invalid = (...problems: string[]): Loaded<never> => ({ ok: false, problems });

type Parts = Readonly<Record<string, Loaded<unknown>>>;
type Values<P extends Parts> = { readonly [K in keyof P]: P[K] extends Loaded<infer V> ? V : never };

/** Every part's value under its name, or every part's problems. */
export function allOf<P extends Parts>(parts: P): Loaded<Values<P>> {
  const problems = Object.values(parts).flatMap((part) => (part.ok ? [] : part.problems));
  if (problems.length > 0) return invalid(...problems);
  const values = Object.entries(parts).map(([name, part]) => [name, (part as { config: unknown }).config]);
  return valid(Object.fromEntries(values) as Values<P>);
}

/** What a loaded value makes; the problems as they are. */
export const mapLoaded = <T, U>(loaded: Loaded<T>, make: (config: T) => U): Loaded<U> =>
  loaded.ok ? valid(make(loaded.config)) : loaded;
