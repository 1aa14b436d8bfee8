// `npm run bench`: what users wait for, each against a baseline measured in the same run, on loopback against the
// TEO emulator, a real dynalite and the Secrets Manager stand-in; and sync's fleet row (bench/fleet.ts). Prints a
// table, writes bench/results.json. BENCHMARKS.md has the method and the latest figures.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import esbuildOptions from '../esbuild.config.cjs';
import {
  DEMO_TENCENT,
  LOCAL_TOKEN,
  localClients,
  startDemoEmulator,
  startKeylessStandIns,
} from '../local/demo-setup.ts';
import { buildFunctions } from '../scripts/build.ts';
import { startDynalite } from '../test/support/dynalite.ts';
import { sha256Hex } from '../test/support/fake-config.ts';
import { startSecretsManagerStandIn } from '../test/support/secrets-manager-stand-in.ts';
import { benchFleet } from './fleet.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 21);
/** The fleet row's size: 1,000 bindings take two minutes at the default pace (8 Describes a second). */
const FLEET_BINDINGS = Number(process.env.BENCH_FLEET_BINDINGS ?? 1000);
const WARM_CALLS = Number(process.env.BENCH_WARM_CALLS ?? 4000);
// Four children a side, each 100 unmeasured calls and then WARM_CALLS / 4: RSS is read after 1,100 calls. With two
// children a side, the warm ratio of the same code moved from 1.20 to 1.52 between runs minutes apart.
const WARM_ROUNDS = 4;
const OUT = resolve('bench/.build');
const BUNDLES = {
  rotator: resolve('dist/rotate/index.mjs'),
  floor: join(OUT, 'floor.mjs'),
  sdk: join(OUT, 'sdk-project-options.mjs'),
  sdkNaive: join(OUT, 'sdk-naive.mjs'),
};
type Bundle = keyof typeof BUNDLES;

// The function, and its baselines: the floor handler and the SDK alone bundled with the project's own options
// (aliases, require()d built-ins, minified), as the function is; and the SDK bundled naively, for reference.
mkdirSync(OUT, { recursive: true });
await buildFunctions();
const { outputFileExtension: _mjs, ...projectOptions } = esbuildOptions();
const sdkOnly = {
  contents: "export { CommonClient } from 'tencentcloud-sdk-nodejs-common';",
  resolveDir: '.',
};
await Promise.all([
  build({
    ...projectOptions,
    entryPoints: ['bench/floor-handler.ts'],
    outfile: BUNDLES.floor,
    logLevel: 'error',
  }),
  build({ ...projectOptions, stdin: sdkOnly, outfile: BUNDLES.sdk, logLevel: 'error' }),
  build({
    stdin: sdkOnly,
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    banner: { js: "import{createRequire}from'node:module';const require=createRequire(import.meta.url);" },
    outfile: BUNDLES.sdkNaive,
    logLevel: 'error',
  }),
]);

const [emulator, dynamo, secrets] = await Promise.all([
  startDemoEmulator({ rateLimitPerSecond: Number.POSITIVE_INFINITY }),
  startDynalite('teo-key-rotator-bench'),
  startSecretsManagerStandIn(),
]);
const tencent = {
  TENCENTCLOUD_SECRET_ID: DEMO_TENCENT.secretId,
  TENCENTCLOUD_SECRET_KEY: DEMO_TENCENT.secretKey,
};
secrets.put('teo-key-rotator/bench', JSON.stringify({ ...tencent, ROTATOR_CLIENTS: localClients() }));
/** The deployment's fingerprint key: deployed, a plain-text secret of its own, read beside the function's. */
const FINGERPRINT_KEY = 'bench-fingerprint-key-not-a-secret-000000';
secrets.put('teo-key-rotator/bench/fingerprint-key', FINGERPRINT_KEY);
const base = { PATH: process.env.PATH ?? '', BENCH_TOKEN: LOCAL_TOKEN };
/**
 * For importing: TEO's real endpoint, the configuration in the environment, which the function checks as it loads.
 * (With ROTATOR_SECRET_ID, as deployed, the import starts reading the secret instead: BENCHMARKS.md.)
 */
const importing = {
  ...base,
  ...tencent,
  ROTATOR_FINGERPRINT_KEY: FINGERPRINT_KEY,
  ROTATOR_CLIENTS: localClients(),
};
/** Against the emulator, ledger in memory: the rotation and nothing around it. */
const local = { ...importing, TEO_ENDPOINT: emulator.url };
/** As deployed: the ledger in DynamoDB, node:http already loaded by the runtime client. */
const production = {
  ...local,
  ...dynamo.env,
  ...secrets.env,
  ROTATOR_TABLE: dynamo.table,
  FLOOR_TOKEN_SHA256: sha256Hex(LOCAL_TOKEN),
  BENCH_PRELOAD_HTTP: '1',
};
/** As deployed with the secret in Secrets Manager: nothing secret in the environment. */
const {
  TENCENTCLOUD_SECRET_ID: _id,
  TENCENTCLOUD_SECRET_KEY: _key,
  ROTATOR_CLIENTS: _clients,
  ROTATOR_FINGERPRINT_KEY: _fingerprintKey,
  ...unsecret
} = production;
const productionWithSecret = {
  ...unsecret,
  ROTATOR_SECRET_ID: 'teo-key-rotator/bench',
  ROTATOR_FINGERPRINT_SECRET_ID: 'teo-key-rotator/bench/fingerprint-key',
};
/**
 * Keyless (TENCENT_AUTH=oidc), as deployed: the callers in Secrets Manager and no Tencent key anywhere; the first
 * rotation first gets a web identity token from AWS STS and exchanges it at Tencent's STS (both stand-ins, plain
 * HTTP on loopback: the TLS of the two extra calls is not measured).
 */
const keyless = await startKeylessStandIns(emulator, {
  otherKeys: { [secrets.env.AWS_ACCESS_KEY_ID as string]: secrets.env.AWS_SECRET_ACCESS_KEY as string },
});
secrets.put('teo-key-rotator/bench-keyless', JSON.stringify({ ROTATOR_CLIENTS: localClients() }));
const productionKeyless = {
  ...productionWithSecret,
  // The keyless settings and AWS STS's endpoint; the AWS keys stay Secrets Manager's, which STS also accepts.
  ...Object.fromEntries(
    Object.entries(keyless.env).filter(([name]) => /^(?:TENCENT_|AWS_ENDPOINT_URL_STS)/.test(name)),
  ),
  ROTATOR_SECRET_ID: 'teo-key-rotator/bench-keyless',
};

const run = (args: string[], env: Record<string, string>) =>
  new Promise<void>((done, fail) => {
    // Output to /dev/null, as a Lambda's goes to a pipe another process drains: read here, the rotator's log
    // lines would load the process that runs the emulator, and slow its own answers.
    // --no-deprecation: the naive SDK bundle's own url.parse and punycode warnings (its node-fetch) would print
    // once a child; the function's bundle emits none.
    const started = spawn(process.execPath, ['--no-deprecation', ...args], {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    started.once('error', fail);
    started.once('exit', (code) => (code === 0 ? done() : fail(new Error(`${args[1]} exited with ${code}`))));
  });

interface Measurement {
  ms?: number;
  latencies?: number[];
  rssAfterImport: number;
  rssAfterWarm?: number;
}

/** One measurement in a fresh Node process. */
async function child(mode: string, bundle: Bundle, env: Record<string, string>): Promise<Measurement> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  try {
    await run(['bench/child.ts', mode, BUNDLES[bundle], emulator.url], {
      ...env,
      BENCH_RESULT: join(dir, 'r.json'),
    });
    return JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
};
const round = (value: number, digits = 2) => Number(value.toFixed(digits));
const spread = (values: readonly number[]) => ({
  median: round(percentile(values, 50)),
  iqr: [round(percentile(values, 25)), round(percentile(values, 75))],
});

type Side = readonly [label: string, mode: string, bundle: Bundle, env: Record<string, string>];

/** Several sides, each in RUNS fresh processes, interleaved and rotated each round, so drift hits all alike. */
async function alternate(...sides: Side[]) {
  const times = sides.map(() => [] as number[]);
  const rss = sides.map(() => [] as number[]);
  for (let round = 0; round < RUNS; round += 1) {
    for (let k = 0; k < sides.length; k += 1) {
      const i = (k + round) % sides.length;
      const [, mode, bundle, env] = sides[i] as Side;
      const measured = await child(mode, bundle, env);
      times[i]?.push(measured.ms ?? Number.NaN);
      rss[i]?.push(measured.rssAfterImport);
    }
  }
  return Object.fromEntries(
    sides.map(([label], i) => [label, { ...spread(times[i] ?? []), rssAfterImportMiB: mib(rss[i] ?? []) }]),
  );
}
const mib = (values: readonly number[]) => round(percentile(values, 50) / 2 ** 20, 1);

/** WARM_CALLS sequential calls each, in WARM_ROUNDS alternating children, pooled. */
async function warm(...sides: Side[]) {
  const pooled = sides.map(() => ({ latencies: [] as number[], rss: [] as number[] }));
  for (let round = 0; round < WARM_ROUNDS; round += 1) {
    for (let k = 0; k < sides.length; k += 1) {
      const i = (k + round) % sides.length;
      const [, mode, bundle, env] = sides[i] as Side;
      const measured = await child(mode, bundle, { ...env, BENCH_CALLS: String(WARM_CALLS / WARM_ROUNDS) });
      pooled[i]?.latencies.push(...(measured.latencies ?? []));
      pooled[i]?.rss.push(measured.rssAfterWarm ?? Number.NaN);
    }
  }
  return Object.fromEntries(
    sides.map(([label], i) => {
      const { latencies = [], rss = [] } = pooled[i] ?? {};
      return [
        label,
        {
          p50: round(percentile(latencies, 50), 3),
          p99: round(percentile(latencies, 99), 3),
          iqr: [round(percentile(latencies, 25), 3), round(percentile(latencies, 75), 3)],
          rssAfterWarmMiB: mib(rss),
        },
      ];
    }),
  );
}

const size = (file: string) => {
  const bytes = readFileSync(file);
  return { bytes: bytes.byteLength, gzipBytes: gzipSync(bytes).byteLength };
};
const ratio = (a: number, b: number) => round(a / b, 3);

try {
  const bundles = Object.fromEntries(Object.entries(BUNDLES).map(([name, file]) => [name, size(file)]));
  const coldImport = await alternate(
    ['rotator', 'import', 'rotator', importing],
    ['SDK (project options)', 'import', 'sdk', importing],
    ['SDK (naive bundle)', 'import', 'sdkNaive', importing],
  );
  const firstCall = await alternate(
    ['rotator', 'first-rotation', 'rotator', local],
    ['SDK (project options)', 'first-call', 'sdk', local],
  );
  const productionCold = await alternate(
    ['rotator', 'first-rotation', 'rotator', production],
    ['rotator, secret in Secrets Manager', 'first-rotation', 'rotator', productionWithSecret],
    ['rotator, keyless', 'first-rotation', 'rotator', productionKeyless],
    ['built-ins floor', 'first-rotation', 'floor', production],
  );
  const warmCalls = await warm(
    ['rotator', 'warm-rotation', 'rotator', local],
    ['SDK (project options)', 'warm-call', 'sdk', local],
    ['SDK (naive bundle)', 'warm-call', 'sdkNaive', local],
  );
  // Last, alone: its emulators enforce TEO's and the managers' rate limits in real time.
  const fleet = await benchFleet(dynamo, { bindings: FLEET_BINDINGS, latencyMs: 40 });
  const median = (row: Record<string, { median: number }>, label: string) => row[label]?.median ?? Number.NaN;
  const p50 = (label: string) => warmCalls[label]?.p50 ?? Number.NaN;
  const ratios = {
    productionColdVsFloor: ratio(
      median(productionCold, 'rotator'),
      median(productionCold, 'built-ins floor'),
    ),
    productionColdWithSecretVsFloor: ratio(
      median(productionCold, 'rotator, secret in Secrets Manager'),
      median(productionCold, 'built-ins floor'),
    ),
    productionColdKeylessVsWithSecret: ratio(
      median(productionCold, 'rotator, keyless'),
      median(productionCold, 'rotator, secret in Secrets Manager'),
    ),
    coldImportVsSdk: ratio(median(coldImport, 'rotator'), median(coldImport, 'SDK (project options)')),
    coldImportVsNaiveSdk: ratio(median(coldImport, 'rotator'), median(coldImport, 'SDK (naive bundle)')),
    firstCallVsSdk: ratio(median(firstCall, 'rotator'), median(firstCall, 'SDK (project options)')),
    warmP50VsSdk: ratio(p50('rotator'), p50('SDK (project options)')),
    warmP50VsNaiveSdk: ratio(p50('rotator'), p50('SDK (naive bundle)')),
  };
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
    warmCalls: WARM_CALLS,
    bundles,
    productionColdMs: productionCold,
    coldImportMs: coldImport,
    coldImportAndFirstCallMs: firstCall,
    warmMs: warmCalls,
    fleet,
    ratios,
  };
  writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
  const m = results.machine;
  console.log(`${m.cpu} (${m.cores} cores), Node ${m.node}, ${m.platform}; ${RUNS} fresh processes a side\n`);
  const row = (measures: Record<string, { median: number; iqr: number[] }>) =>
    Object.fromEntries(
      Object.entries(measures).map(([label, { median, iqr }]) => [label, `${median} [${iqr.join('–')}]`]),
    );
  console.log('production cold path: import + first rotation, ledger on dynalite, ms, median [IQR]');
  console.table(row(productionCold));
  console.log('cold import, ms');
  console.table(row(coldImport));
  console.log('cold import + first call, ms');
  console.table(row(firstCall));
  console.log('warm, ms');
  console.table(warmCalls);
  console.log('bundle bytes (gzip)');
  console.table(
    Object.fromEntries(Object.entries(bundles).map(([k, v]) => [k, `${v.bytes} (${v.gzipBytes})`])),
  );
  console.log(
    `fleet: one scheduled reconcile of ${fleet.bindings} bindings (${fleet.drifted} drifted), ${fleet.latencyMs} ms on every answer, rate limits on`,
  );
  console.table({
    'wall, ms': fleet.wallMs,
    'rate-limit floor, ms': fleet.floorMs,
    'wall / floor': fleet.wallVsFloor,
    'TEO requests': JSON.stringify(fleet.teoRequests),
    RequestLimitExceeded: fleet.requestLimitExceeded,
    'manager requests': JSON.stringify(fleet.managerRequests),
    'manager requests allowed': fleet.managerRequestsAllowed,
    outcomes: JSON.stringify(fleet.outcomes),
  });
  console.log('ratios');
  console.table(ratios);
  console.log('Written to bench/results.json');
} finally {
  await Promise.all([emulator.close(), dynamo.close(), secrets.close(), keyless.close()]);
}
