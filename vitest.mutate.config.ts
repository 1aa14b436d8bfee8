// The mutation run's tests (stryker.config.mjs): every in-process test. The ones that drive built bundles or
// child processes run unmutated code there, so they can neither kill nor keep a mutant; they are left out for time.
import { defineConfig, mergeConfig } from 'vitest/config';
import StrykerSequencer from './test/support/stryker-sequencer.ts';
import base from './vitest.config.ts';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      // After Stryker's own set-up file, before each test file's imports (see the file).
      setupFiles: ['test/support/stryker-module-level.ts'],
      sequence: { sequencer: StrykerSequencer },
      exclude: [
        'test/bundle.test.ts',
        'test/official-sdk.test.ts',
        'test/local-integration.test.ts',
        'test/cli.test.ts',
        'test/doctor.test.ts',
        'node_modules/**',
      ],
    },
  }),
);
