// Hooks most handler tests share: one TEO stand-in per file, output captured per test, its requests cleared.
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { type CapturedOutput, captureOutput } from './captured-output.ts';
import { startTeoStandIn, type TeoStandIn } from './teo-stand-in.ts';

export interface StandInHarness {
  readonly teo: TeoStandIn;
  readonly output: CapturedOutput;
}

/** Call at the top of a test file; the fields are set by the time a test runs. */
export function useTeoStandIn(): StandInHarness {
  const harness = {} as { teo: TeoStandIn; output: CapturedOutput };
  beforeAll(async () => {
    harness.teo = await startTeoStandIn();
  });
  afterAll(() => harness.teo.close());
  beforeEach(() => {
    harness.output = captureOutput();
  });
  afterEach(() => {
    harness.output.restore();
    harness.teo.requests.length = 0;
  });
  return harness;
}
