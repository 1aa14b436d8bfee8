// The artifact that ships: one self-contained ES module per function that loads cleanly and rotates a key.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, buildFunctions } from '../scripts/build.ts';
import { startDynalite } from './support/dynalite.ts';
import {
  FINGERPRINT_KEY,
  fingerprint,
  KEY,
  OPS_TOKEN,
  testEnvironment,
  ZONE,
} from './support/fake-config.ts';
import { startSecretsManagerStandIn } from './support/secrets-manager-stand-in.ts';
import { startTeoStandIn, type TeoStandIn } from './support/teo-stand-in.ts';

const run = promisify(execFile);
const outdir = mkdtempSync(join(tmpdir(), 'rotator-bundle-'));
const bundle = join(outdir, 'rotate', 'index.mjs');
let teo: TeoStandIn;

beforeAll(async () => {
  teo = await startTeoStandIn();
  await Promise.all([buildFunctions(outdir), buildCli(outdir)]);
});
afterAll(async () => {
  await teo.close();
  rmSync(outdir, { recursive: true, force: true });
});

/** A fresh Node process, as Lambda starts one: it imports the bundle and invokes `handler` once, then lists the
 * modules Node loaded. */
const invokeInFreshProcess = (event: unknown, env: Record<string, string>) =>
  run(
    process.execPath,
    [
      '--throw-deprecation',
      '--input-type=module',
      '-e',
      `const { handler } = await import(${JSON.stringify(bundle)});
       const context = { awsRequestId: 'bundle-test', getRemainingTimeInMillis: () => 10000 };
       process.stdout.write('RESULT ' + JSON.stringify(await handler(${JSON.stringify(event)}, context)) + '\\n');
       process.stdout.write('LOADED ' + JSON.stringify(process.moduleLoadList) + '\\n');`,
    ],
    { env: { PATH: process.env.PATH ?? '', ...env }, cwd: tmpdir() },
  );

describe('dist/rotate/index.mjs', () => {
  it('imports nothing but Node built-ins: its AWS client is bundled', () => {
    const code = readFileSync(bundle, 'utf8');
    const specifiers = (pattern: RegExp) =>
      [...code.matchAll(pattern)].map(([, specifier]) => specifier ?? '');
    const loaded = specifiers(/(?:from|import)\s*["']([^"']+)["']/g);
    const onDemand = specifiers(/import\(\s*["']([^"']+)["']\s*\)/g);

    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.filter((specifier) => !isBuiltin(specifier))).toEqual([]);
    expect(onDemand.filter((specifier) => !isBuiltin(specifier))).toEqual([]);
    // Node built-ins the function never needs are not loaded at a cold start either.
    expect(
      [...loaded, ...onDemand].filter((specifier) => /readline|undici|worker_threads/.test(specifier)),
    ).toEqual([]);
  });

  it('rotates a key from a fresh process, with no warning written', async () => {
    const event = JSON.parse(
      readFileSync(new URL('./fixtures/events/http-api-v2.json', import.meta.url), 'utf8'),
    );
    event.headers.authorization = `Bearer ${OPS_TOKEN}`;

    const { stdout, stderr } = await invokeInFreshProcess(event, testEnvironment(teo.url));

    expect(stderr).toBe('');
    const result = JSON.parse(
      stdout
        .split('\n')
        .find((line) => line.startsWith('RESULT '))
        ?.slice(7) ?? '{}',
    );
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ RequestId: 'req-1', KeyFingerprint: fingerprint(KEY) });
    expect(JSON.parse(teo.requests[0]?.body ?? '')).toEqual({ ZoneId: ZONE, SecretKey: KEY });
    expect(stdout).toContain('"outcome":"rotated"');
    // What a rotation does not use is not loaded at a cold start (BENCHMARKS.md): perf_hooks (a first use of
    // `performance`), timers/promises (an ES import of node:timers), and TLS when nothing is dialled over https.
    const loaded = stdout.split('\n').find((line) => line.startsWith('LOADED ')) ?? '';
    expect(JSON.parse(loaded.slice(7) || '[]')).toEqual(expect.arrayContaining(['NativeModule http']));
    expect(
      JSON.parse(loaded.slice(7) || '[]').filter((name: string) =>
        /^NativeModule (?:perf_hooks|timers\/promises|https|tls)$/.test(name),
      ),
    ).toEqual([]);
  });

  it('rotates from a fresh process configured as deployed: its secret in Secrets Manager, its ledger in DynamoDB', async () => {
    const [dynamo, sm] = await Promise.all([startDynalite(), startSecretsManagerStandIn()]);
    try {
      const {
        TENCENTCLOUD_SECRET_ID,
        TENCENTCLOUD_SECRET_KEY,
        ROTATOR_CLIENTS = '',
      } = testEnvironment(teo.url);
      sm.put(
        'teo-key-rotator/test',
        JSON.stringify({ TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY, ROTATOR_CLIENTS }),
      );
      sm.put('teo-key-rotator/test/fingerprint-key', FINGERPRINT_KEY);
      const event = JSON.parse(
        readFileSync(new URL('./fixtures/events/http-api-v2.json', import.meta.url), 'utf8'),
      );
      event.headers.authorization = `Bearer ${OPS_TOKEN}`;

      // Nothing secret in the environment, as deployed: one set of AWS keys serves both stand-ins.
      const { stdout, stderr } = await invokeInFreshProcess(event, {
        ...dynamo.env,
        ...sm.env,
        ROTATOR_SECRET_ID: 'teo-key-rotator/test',
        ROTATOR_FINGERPRINT_SECRET_ID: 'teo-key-rotator/test/fingerprint-key',
        ROTATOR_TABLE: dynamo.table,
        TEO_ENDPOINT: teo.url,
      });

      expect(stderr).toBe('');
      expect(stdout).toContain('"outcome":"rotated"');
      expect(sm.calls.map((call) => call.operation)).toEqual(['GetSecretValue', 'GetSecretValue']);
      const { Item } = await dynamo.client.call('GetItem', {
        TableName: dynamo.table,
        Key: { pk: { S: `zone#${ZONE}` } },
        ConsistentRead: true,
      });
      expect(Item).toMatchObject({
        appliedBy: { S: 'ops-cli' },
        appliedKeyFingerprint: { S: fingerprint(KEY) },
      });
    } finally {
      await Promise.all([dynamo.close(), sm.close()]);
    }
  });
});

describe('dist/secrets-manager-rotation/index.mjs', () => {
  it('imports nothing but Node built-ins: its Secrets Manager client is bundled', () => {
    const code = readFileSync(join(outdir, 'secrets-manager-rotation', 'index.mjs'), 'utf8');
    const imports = [...code.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map(
      ([, specifier]) => specifier ?? '',
    );

    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((specifier) => !isBuiltin(specifier))).toEqual([]);
    expect(code).toMatch(/export\s*\{[^}]*\bhandler\b/);
  });
});

describe('dist/sync/index.mjs', () => {
  it('imports nothing but Node built-ins, and exports its handler', () => {
    const code = readFileSync(join(outdir, 'sync', 'index.mjs'), 'utf8');
    const imports = [...code.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map(
      ([, specifier]) => specifier ?? '',
    );

    expect(imports.filter((specifier) => !isBuiltin(specifier))).toEqual([]);
    expect(code).toMatch(/export\s*\{[^}]*\bhandler\b/);
  });
});

describe('dist/cli/rotator.mjs, the package bin', () => {
  it('runs on its own, with a shebang', async () => {
    const cli = join(outdir, 'cli', 'rotator.mjs');

    const { stdout } = await run(process.execPath, [cli, 'new-webhook-secret'], { cwd: tmpdir() });

    expect(readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(stdout).toMatch(/^whsec_[A-Za-z0-9+/]{43}=\n$/);
  });

  it('packs (npm pack) and installs (npm install --global) into a prefix, as `rotator` on its PATH', async () => {
    // The package as `npm pack` makes it from a checkout: its manifest, with the CLI just built.
    const staged = join(outdir, 'package');
    const prefix = join(outdir, 'prefix');
    mkdirSync(join(staged, 'dist', 'cli'), { recursive: true });
    for (const file of ['package.json', 'README.md', 'LICENSE']) copyFileSync(file, join(staged, file));
    copyFileSync(join(outdir, 'cli', 'rotator.mjs'), join(staged, 'dist', 'cli', 'rotator.mjs'));
    const npm = (args: string[], cwd: string) =>
      run('npm', [...args, '--ignore-scripts', '--no-audit', '--no-fund', '--offline'], { cwd });

    const [packed] = JSON.parse((await npm(['pack', '--json', '--pack-destination', outdir], staged)).stdout);
    await npm(['install', '--global', '--prefix', prefix, join(outdir, packed.filename)], outdir);
    const installed = await run('/bin/sh', ['-c', 'command -v rotator && rotator new-webhook-secret'], {
      cwd: tmpdir(),
      env: { PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}` },
    });

    expect(packed.files.map(({ path }: { path: string }) => path).sort()).toEqual([
      'LICENSE',
      'README.md',
      'dist/cli/rotator.mjs',
      'package.json',
    ]);
    expect(installed.stdout).toMatch(
      new RegExp(`^${join(prefix, 'bin', 'rotator')}\nwhsec_[A-Za-z0-9+/]{43}=\n$`),
    );
  });
});
