// `npm run bench`: the rotate function's bundle size, cold start and warm overhead, each against the Tencent SDK
// alone, measured in the same run on loopback against the TEO emulator. Prints a table, writes bench/results.json.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { DEMO_TENCENT, LOCAL_TOKEN, localClients, startDemoEmulator } from '../local/demo-setup.ts';
import { buildFunctions } from '../scripts/build.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const WARM_CALLS = 2000;
const WARM_ROUNDS = 4;
const ROTATOR = resolve('dist/rotate/index.mjs');
const SDK_ONLY = resolve('bench/.build/sdk-only.mjs');
const run = (command: string, args: string[], options: Parameters<typeof spawn>[2]) =>
  new Promise<void>((done, fail) => {
    const started = spawn(command, args, options);
    started.once('error', fail);
    started.once('exit', (code) => (code === 0 ? done() : fail(new Error(`${args[1]} exited with ${code}`))));
  });

const median = (values: number[]) => percentile(values, 50);
function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

await buildFunctions();
// The baseline: the SDK alone, bundled the default way (esbuild's defaults for Node, no aliases), with the
// createRequire banner it needs to load as an ES module at all.
mkdirSync('bench/.build', { recursive: true });
await build({
  stdin: {
    contents: "export { CommonClient } from 'tencentcloud-sdk-nodejs-common';",
    resolveDir: '.',
    loader: 'js',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  minify: true,
  banner: { js: "import{createRequire}from'node:module';const require=createRequire(import.meta.url);" },
  outfile: SDK_ONLY,
  logLevel: 'error',
});

const emulator = await startDemoEmulator({ rateLimitPerSecond: Number.POSITIVE_INFINITY });
const tencent = {
  TENCENTCLOUD_SECRET_ID: DEMO_TENCENT.secretId,
  TENCENTCLOUD_SECRET_KEY: DEMO_TENCENT.secretKey,
};
// Importing: configured as deployed (TEO's real endpoint, so the HTTPS agent is made at load as in production).
const deployed = { PATH: process.env.PATH ?? '', ...tencent, ROTATOR_CLIENTS: localClients() };
const local = { ...deployed, TEO_ENDPOINT: emulator.url, BENCH_TOKEN: LOCAL_TOKEN };

/**
 * A child's output goes to /dev/null, as a Lambda's goes to a pipe another process drains: were it read here, the
 * rotator's log lines would load the process that runs the emulator, and slow its own answers.
 */
async function child(mode: string, bundle: string, env: Record<string, string>) {
  const result = join(mkdtempSync(join(tmpdir(), 'bench-')), 'result.json');
  await run(process.execPath, ['bench/child.ts', mode, bundle, emulator.url], {
    env: { ...env, BENCH_RESULT: result },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return JSON.parse(readFileSync(result, 'utf8'));
}

/** Alternates the two, each in a fresh process, so that drift on a shared machine hits both alike. */
async function alternate(a: () => Promise<{ ms: number }>, b: () => Promise<{ ms: number }>) {
  const times = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < RUNS; i += 1) {
    for (const side of i % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const)) {
      times[side].push((await (side === 'a' ? a() : b())).ms);
    }
  }
  return {
    rotator: round(median(times.a)),
    sdkOnly: round(median(times.b)),
    ratio: round(median(times.a) / median(times.b), 3),
  };
}

const size = (file: string) => {
  const bytes = readFileSync(file);
  return { bytes: bytes.byteLength, gzipBytes: gzipSync(bytes).byteLength };
};

try {
  const bundles = { rotate: size(ROTATOR), sdkOnly: size(SDK_ONLY) };
  const coldImport = await alternate(
    () => child('import-rotator', ROTATOR, deployed),
    () => child('import-sdk', SDK_ONLY, deployed),
  );
  const coldRotation = await alternate(
    () => child('cold-rotator', ROTATOR, local),
    () => child('cold-sdk', SDK_ONLY, local),
  );
  // 2,000 sequential calls each, in WARM_ROUNDS alternating children, pooled.
  const pooled = { rotator: [] as number[], sdkOnly: [] as number[] };
  const calls = { ...local, BENCH_CALLS: String(WARM_CALLS / WARM_ROUNDS) };
  for (let round = 0; round < WARM_ROUNDS; round += 1) {
    const order = round % 2 === 0 ? (['rotator', 'sdkOnly'] as const) : (['sdkOnly', 'rotator'] as const);
    for (const side of order) {
      const mode = side === 'rotator' ? 'warm-rotator' : 'warm-sdk';
      const { latencies } = await child(mode, side === 'rotator' ? ROTATOR : SDK_ONLY, calls);
      pooled[side].push(...latencies);
    }
  }
  const summary = (latencies: number[]) => ({
    p50: round(percentile(latencies, 50), 3),
    p99: round(percentile(latencies, 99), 3),
  });
  const warm = { rotator: summary(pooled.rotator), sdkOnly: summary(pooled.sdkOnly) };
  const results = {
    date: new Date().toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGiB: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
    },
    runs: RUNS,
    bundles,
    coldImportMs: coldImport,
    coldImportAndRotationMs: coldRotation,
    warmMs: {
      ...warm,
      calls: WARM_CALLS,
      p50Ratio: round(warm.rotator.p50 / warm.sdkOnly.p50, 3),
      p99Ratio: round(warm.rotator.p99 / warm.sdkOnly.p99, 3),
    },
  };
  mkdirSync('bench', { recursive: true });
  writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
  const m = results.machine;
  console.log(
    `${m.cpu} (${m.cores} cores), Node ${m.node}, ${m.platform}; medians of ${RUNS} fresh processes each\n`,
  );
  console.table({
    'bundle (bytes, gzip)': {
      rotator: `${bundles.rotate.bytes} (${bundles.rotate.gzipBytes})`,
      'SDK alone': `${bundles.sdkOnly.bytes} (${bundles.sdkOnly.gzipBytes})`,
      ratio: round(bundles.rotate.bytes / bundles.sdkOnly.bytes, 3),
    },
    'cold import (ms)': {
      rotator: coldImport.rotator,
      'SDK alone': coldImport.sdkOnly,
      ratio: coldImport.ratio,
    },
    'cold import + one call (ms)': {
      rotator: coldRotation.rotator,
      'SDK alone': coldRotation.sdkOnly,
      ratio: coldRotation.ratio,
    },
    'warm p50 (ms)': {
      rotator: warm.rotator.p50,
      'SDK alone': warm.sdkOnly.p50,
      ratio: results.warmMs.p50Ratio,
    },
    'warm p99 (ms)': {
      rotator: warm.rotator.p99,
      'SDK alone': warm.sdkOnly.p99,
      ratio: results.warmMs.p99Ratio,
    },
  });
  console.log('Written to bench/results.json');
} finally {
  await emulator.close();
}
