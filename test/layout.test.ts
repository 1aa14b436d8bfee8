// The README's map of lib/: three layers, handlers over adapters over domain, and imports only point down, so that
// the rules (domain/) never depend on the outside world or on a function's shell. No import makes a cycle.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const LIB = new URL('../lib/', import.meta.url).pathname;
const LAYERS = ['domain', 'adapters', 'handlers'] as const;

const files = (readdirSync(LIB, { recursive: true }) as string[])
  .filter((file) => file.endsWith('.ts'))
  .map((file) => relative(LIB, join(LIB, file)));

/** What a file imports from lib/, type-only imports included: they are knowledge of the layer all the same. */
const importsOf = (file: string) =>
  [...readFileSync(join(LIB, file), 'utf8').matchAll(/from '#lib\/([^']+)'/g)].map(
    ([, target = '']) => target,
  );

const layerOf = (file: string) => LAYERS.indexOf(file.split('/')[0] as (typeof LAYERS)[number]);

describe('lib/', () => {
  it('has every file in one of the three layers', () => {
    expect(files.filter((file) => layerOf(file) < 0)).toEqual([]);
    expect(files.length).toBeGreaterThan(60);
  });

  it('imports only within a layer or below it', () => {
    const upward = files.flatMap((file) =>
      importsOf(file)
        .filter((target) => layerOf(target) > layerOf(file))
        .map((target) => `${file} -> ${target}`),
    );

    expect(upward).toEqual([]);
  });

  it('has no import cycle', () => {
    const graph = new Map(files.map((file) => [file, importsOf(file)]));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'visiting');
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);

    expect(cycles).toEqual([]);
  });
});
