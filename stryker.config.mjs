// `npm run mutate`: every file under lib/ mutated, each mutant run against the in-process tests
// (vitest.mutate.config.ts). Not in CI: a whole run takes about 31 minutes on 2 cores. The scores and the
// survivors kept, each with its reason, are in docs/mutation-testing.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // Not `related`: vitest's search for related tests follows imports, not the bundle's aliases, so it would leave
  // out every test that reaches lib/adapters/teo/http-transport.ts through the SDK's `node-fetch` (only
  // test/http-transport.test.ts imports it by name). perTest coverage still runs each mutant against only the tests
  // that cover it.
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  mutate: ['lib/**/*.ts', '!lib/adapters/teo/sdk-shims/**'],
  coverageAnalysis: 'perTest',
  // Most tests wait on loopback servers, not the CPU: four runners keep 2 cores busy.
  concurrency: 4,
  // Later runs re-test only the mutants whose code or covering tests changed (reports/stryker-incremental.json).
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  timeoutMS: 10_000,
  // Mutants in module-level constants would need every test re-run; their values are pinned by named tests.
  ignoreStatic: true,
  // Stryker rewrites tsconfig paths with the TypeScript compiler API, which TypeScript 7 (native) does not have;
  // this project's tsconfig has no `extends` or `references` to rewrite, so it is left alone.
  tsconfigFile: 'no-tsconfig-rewrite.json',
  reporters: ['clear-text', 'html', 'json', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 95, low: 90, break: null },
  tempDirName: '.stryker-tmp',
};
