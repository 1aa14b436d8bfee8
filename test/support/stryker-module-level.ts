// Makes StrykerJS measure mutants in module-level code (a route table, a regular expression or a schema held in a
// constant). Used only by vitest.mutate.config.ts, after Stryker's own set-up file.
//
// Stryker's vitest runner records coverage per test, but code a test file runs while importing its modules runs
// before any test, so it is recorded as "static": covered by no test. With `ignoreStatic` such a mutant is either
// ignored or, when a test also reaches it by a dynamic import, run against that test alone, activated in a
// `beforeAll` hook after the module was evaluated unmutated: it "survives" tests that would kill it. Without
// `ignoreStatic`, every one runs the whole suite, which does not fit the run's time.
//
// So: in the dry run, the coverage a test file's imports record is credited to every test in that file (any of
// them could observe the mutated value); in a mutant run, the mutant is active before the file's imports. Mutant
// runs load every test file afresh (vitest isolates them), so the module-level code is evaluated with the mutant.
import { beforeAll, inject, type RunnerTask } from 'vitest';

type Counts = Record<string, number>;
interface StrykerNamespace {
  activeMutant?: string;
  mutantCoverage?: { static: Counts; perTest: Record<string, Counts> };
}

declare module 'vitest' {
  export interface ProvidedContext {
    mode: string;
    globalNamespace: string;
    activeMutant: string;
    testNameSeparator: string;
  }
}

const namespace: StrykerNamespace = Reflect.get(globalThis, inject('globalNamespace')) ?? {};
Reflect.set(globalThis, inject('globalNamespace'), namespace);

if (inject('mode') === 'mutant') namespace.activeMutant = inject('activeMutant');

if (inject('mode') === 'dry-run') {
  const before = { ...namespace.mutantCoverage?.static };
  // vitest requires a destructuring pattern for the context it does not need here.
  // biome-ignore lint/correctness/noEmptyPattern: see above
  beforeAll(({}, file) => {
    const coverage = namespace.mutantCoverage;
    if (coverage === undefined) return;
    const byImports = Object.entries(coverage.static).flatMap(([id, hits]): [string, number][] =>
      hits > (before[id] ?? 0) ? [[id, hits - (before[id] ?? 0)]] : [],
    );
    for (const test of testsOf(file)) {
      const counts = coverage.perTest[idOf(test)] ?? {};
      for (const [id, hits] of byImports) counts[id] = (counts[id] ?? 0) + hits;
      coverage.perTest[idOf(test)] = counts;
    }
    for (const [id] of byImports) {
      if (before[id] === undefined) delete coverage.static[id];
      else coverage.static[id] = before[id];
    }
  });
}

const testsOf = (task: RunnerTask): RunnerTask[] =>
  task.type === 'suite' ? task.tasks.flatMap(testsOf) : [task];

/** The test id Stryker's set-up file gives a test (its `toRawTestId`). */
function idOf(test: RunnerTask): string {
  const names = [test.name];
  for (let suite = test.suite; suite !== undefined; suite = suite.suite) names.unshift(suite.name);
  return `${test.file?.filepath ?? 'unknown.js'}#${names.join(inject('testNameSeparator')).trim()}`;
}
