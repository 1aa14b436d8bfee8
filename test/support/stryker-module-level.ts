// Makes StrykerJS measure mutants in module-level code (a route table, a regular expression or a schema held in a
// constant). Used only by vitest.mutate.config.ts, after Stryker's own set-up file.
//
// Stryker's vitest runner records coverage per test, but code a test file runs while importing its modules runs
// before any test, so it is recorded as "static": covered by no test. With `ignoreStatic` such a mutant is either
// ignored or, when some test also reaches it by a dynamic import, run against that test alone, activated in a
// `beforeAll` hook after the module was evaluated unmutated: it "survives" tests that would kill it. Without
// `ignoreStatic`, every one of them runs the whole suite.
//
// So: in the dry run, a mutant that a test file's imports reach and none of its tests does (module-level code,
// evaluated once) is credited to every test in that file, any of which could observe the mutated value; a mutant
// its tests reach keeps the coverage they recorded. In a mutant run, the mutant is active before the file's
// imports. Mutant runs load every test file afresh (vitest isolates them), so module-level code is evaluated with
// the mutant.
import { afterAll, beforeAll, inject, type RunnerTask } from 'vitest';

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
  let byImports = new Map<string, number>();
  let tests: string[] = [];
  // vitest requires a destructuring pattern for the context these hooks do not need.
  // biome-ignore lint/correctness/noEmptyPattern: see above
  beforeAll(({}, file) => {
    const reached = Object.entries(namespace.mutantCoverage?.static ?? {});
    byImports = new Map(
      reached.flatMap(([id, hits]): [string, number][] =>
        hits > (before[id] ?? 0) ? [[id, hits - (before[id] ?? 0)]] : [],
      ),
    );
    tests = testsOf(file).map(idOf);
  });
  // After the file's own after-hooks and before Stryker's, which hands the coverage over: only now is it known
  // which mutants the file's tests reached.
  afterAll(() => {
    const coverage = namespace.mutantCoverage;
    if (coverage === undefined) return;
    const reachedByTests = new Set(tests.flatMap((test) => Object.keys(coverage.perTest[test] ?? {})));
    const moduleLevel = [...byImports].filter(([id]) => !reachedByTests.has(id));
    for (const test of tests) {
      const counts = coverage.perTest[test] ?? {};
      for (const [id, hits] of moduleLevel) counts[id] = (counts[id] ?? 0) + hits;
      coverage.perTest[test] = counts;
    }
    for (const [id, hits] of moduleLevel) {
      const left = (coverage.static[id] ?? 0) - hits;
      if (left > 0) coverage.static[id] = left;
      else delete coverage.static[id];
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
