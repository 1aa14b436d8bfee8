// node:timers as the bundles see it (esbuild.config.cjs aliases it here; middy imports its setTimeout), through
// require(): an ES module import of node:timers reads every export, and `promises` is a getter that loads
// timers/promises, about 0.45 ms of a cold start for a module nothing here uses (BENCHMARKS.md).
import { createRequire } from 'node:module';

const timers: typeof import('node:timers') = createRequire(import.meta.url)('node:timers');

export const { setTimeout } = timers;
