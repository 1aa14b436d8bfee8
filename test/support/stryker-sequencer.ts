// How StrykerJS's mutant runs schedule test files (vitest.mutate.config.ts only). Each mutant run executes the
// tests that cover the mutant, file after file, in one worker, and stops at the first failure.
//
// - The dry run keeps vitest's isolation: a fresh worker per file, so test/support/stryker-module-level.ts sees
//   which module-level mutants each file's imports reach.
// - A mutant run shares one worker across its files: each run starts a new worker, so its modules are still
//   evaluated once, after the mutant is active (vitest reuses no worker across runs). Spawning a worker and
//   re-importing the handler per file was a third of each run.
// - A mutant run takes the files that ran fastest last time first: most mutants are killed by the first test
//   that reaches them, and a survivor runs every file whatever the order.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export default class StrykerSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const mutantRun = files.some((spec) => spec.project.getProvidedContext().mode === 'mutant');
    for (const { project } of files) project.config.isolate = !mutantRun;
    if (!mutantRun) return super.sort(files);
    const duration = (spec: TestSpecification) =>
      this.ctx.cache.getTestSpecificationResult(spec)?.duration ?? Number.POSITIVE_INFINITY;
    return [...files].sort((a, b) => duration(a) - duration(b));
  }
}
