// The local stack over real loopback HTTP: rotator CLI → local server (HTTP API + AWS_IAM) → handler → emulator.
import { execFile, spawn } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Fault, TeoEmulator } from '../emulator/teo-emulator.ts';
import {
  DEMO_DOPPLER,
  DEMO_TENCENT,
  DEMO_ZONES,
  LOCAL_ACCESS_KEYS,
  LOCAL_TOKEN,
  LOCAL_WEBHOOK_SECRET,
  localClients,
} from '../local/demo-setup.ts';
import type { LocalServer } from '../local/server.ts';
import { captureOutput } from './support/captured-output.ts';
import { FINGERPRINT_KEY, fingerprint } from './support/fake-config.ts';
import { LOCAL_REGION, type LocalStack, rotator, startLocalStack } from './support/local-stack.ts';

const ZONE = DEMO_ZONES[0] ?? '';
const [ACCESS_KEY_ID, ACCESS_KEY] = Object.entries(LOCAL_ACCESS_KEYS)[0] ?? [];
const run = promisify(execFile);

let stack: LocalStack;
let emulator: TeoEmulator;
let server: LocalServer;
const output = captureOutput();

beforeAll(async () => {
  stack = await startLocalStack();
  ({ emulator, server } = stack);
});
afterAll(async () => {
  output.restore();
  await stack.close();
});
afterEach(() => {
  emulator.clearFaults();
  emulator.calls.length = 0;
});

const rotate = (extra: string[], env: Record<string, string>, stdin?: string) =>
  rotator(['rotate', '--url', server.url, '--zone', ZONE, ...extra], env, stdin);
const BEARER = { ROTATOR_TOKEN: LOCAL_TOKEN };

describe('rotator rotate, against the local server and the emulator', () => {
  it.each([
    ['a bearer token', [], BEARER],
    ['a signed webhook', [], { ROTATOR_WEBHOOK_SECRET: LOCAL_WEBHOOK_SECRET }],
    [
      'AWS SigV4',
      ['--aws-iam'],
      {
        AWS_ACCESS_KEY_ID: ACCESS_KEY_ID ?? '',
        AWS_SECRET_ACCESS_KEY: ACCESS_KEY?.secretAccessKey ?? '',
        AWS_REGION: LOCAL_REGION,
      },
    ],
  ])('rotates with %s and prints the new key once, which is then live in TEO', async (_, extra, env) => {
    const { code, stdout } = await rotate(['--generate', '--json', ...extra], env);

    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.RequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Buffer.from(result.SecretKey, 'base64')).toHaveLength(32);
    expect(emulator.zoneKey(ZONE)).toBe(result.SecretKey);
    expect(result.KeyFingerprint).toBe(fingerprint(result.SecretKey));
    expect(stdout.split(result.SecretKey)).toHaveLength(2);
  });

  it('reads a zone’s status as an IAM caller, signed for /iam/zones as API Gateway requires, and refuses a bearer there', async () => {
    const iam = {
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID ?? '',
      AWS_SECRET_ACCESS_KEY: ACCESS_KEY?.secretAccessKey ?? '',
      AWS_REGION: LOCAL_REGION,
    };

    const signed = await rotator(['status', '--url', server.url, '--zone', ZONE, '--aws-iam', '--json'], iam);
    const bearer = await fetch(`${server.url}/iam/zones/${ZONE}`, {
      headers: { authorization: `Bearer ${LOCAL_TOKEN}` },
    });

    expect([signed.code, JSON.parse(signed.stdout).ZoneId]).toEqual([0, ZONE]);
    expect([bearer.status, await bearer.json()]).toEqual([403, { message: 'Forbidden' }]);
  });

  it('reads the key from stdin with --key -, and prints it nowhere', async () => {
    const key = randomBytes(40).toString('base64');

    const { code, stdout, stderr } = await rotate(['--key', '-'], BEARER, `${key}\n`);

    expect(code).toBe(0);
    expect(stdout).toMatch(/^RequestId: [0-9a-f-]{36}\nKeyFingerprint: [0-9a-f]{16}\n$/);
    expect(stderr).toBe('');
    expect(emulator.zoneKey(ZONE)).toBe(key);
  });

  it('warns when the key is given on the command line', async () => {
    const { code, stderr } = await rotate(['--key', randomBytes(32).toString('base64')], BEARER);

    expect(code).toBe(0);
    expect(stderr).toContain('visible to other processes');
  });

  it.each([
    ['a key that is too short', ['--key', '-'], BEARER, 'InvalidParameterValue'],
    ['an unknown token', ['--generate'], { ROTATOR_TOKEN: 'not-the-token' }, 'AuthFailure'],
    [
      'a wrong webhook secret',
      ['--generate'],
      { ROTATOR_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}` },
      'AuthFailure',
    ],
    [
      'a wrong AWS secret key',
      ['--generate', '--aws-iam'],
      { AWS_ACCESS_KEY_ID: ACCESS_KEY_ID ?? '', AWS_SECRET_ACCESS_KEY: 'wrong', AWS_REGION: LOCAL_REGION },
      'HTTP 403: Forbidden',
    ],
  ])(
    'fails with a non-zero exit and the error code for %s, leaving the key as it was',
    async (_, extra, env, code) => {
      const before = emulator.zoneKey(ZONE);

      const result = await rotate(extra, env, randomBytes(16).toString('base64'));

      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`error: ${code}`);
      expect(emulator.zoneKey(ZONE)).toBe(before);
    },
  );

  it('reports a zone TEO does not know with its code', async () => {
    const result = await rotator(
      ['rotate', '--url', server.url, '--zone', 'zone-unknown1', '--generate', '--json'],
      BEARER,
    );

    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).Error.Code).toBe('ResourceNotFound');
  });

  const MODIFY = 'ModifyMultiPathGatewaySecretKey';
  const DESCRIBE = 'DescribeMultiPathGatewaySecretKey';
  const UNKNOWN_OUTCOME = [MODIFY, DESCRIBE, MODIFY, DESCRIBE, MODIFY, DESCRIBE];
  // Exit 1: refused, the previous key is live. Exit 3: the key may be live, and the CLI says how to resend.
  it.each([
    [{ kind: 'error', code: 'InternalError' }, 'InternalError', 3, [MODIFY, MODIFY, MODIFY]],
    [{ kind: 'error', code: 'RequestLimitExceeded' }, 'RequestLimitExceeded', 1, [MODIFY, MODIFY, MODIFY]],
    // Refused for good: Describe shows the zone has a key, so only that refusal is answered.
    [{ kind: 'error', code: 'OperationDenied' }, 'OperationDenied', 1, [MODIFY, DESCRIBE]],
    [{ kind: 'http-status', status: 503 }, 'InternalError', 3, UNKNOWN_OUTCOME],
    [{ kind: 'non-json' }, 'InternalError', 3, UNKNOWN_OUTCOME],
    [{ kind: 'drop' }, 'InternalError', 3, UNKNOWN_OUTCOME],
    [{ kind: 'latency', delayMs: 800 }, 'RequestTimeout', 3, UNKNOWN_OUTCOME],
  ] as [Fault, string, number, string[]][])(
    'answers the fault %j, met every time, with its code',
    async (fault, code, exit, calls) => {
      emulator.inject(...Array(6).fill(fault));

      const result = await rotate(['--generate', '--json'], BEARER);

      expect(result.code).toBe(exit);
      expect(JSON.parse(result.stdout).Error.Code).toBe(code);
      // A late answer is recorded when it is finally written, after the caller gave up.
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 0));
      expect(emulator.calls.map((call) => call.action)).toEqual(calls);
    },
  );

  it.each([
    ['no credential', {}],
    ['two kinds of credential', { ROTATOR_TOKEN: LOCAL_TOKEN, ROTATOR_WEBHOOK_SECRET: LOCAL_WEBHOOK_SECRET }],
  ])('refuses to run with %s (exit 2)', async (_, env) => {
    const result = await rotate(['--generate'], env);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('set exactly one of ROTATOR_TOKEN, ROTATOR_WEBHOOK_SECRET or --aws-iam');
  });
});

describe('rotator helpers', () => {
  it('hash-token prints the digest to configure, reading the token from stdin', async () => {
    const { code, stdout } = await rotator(['hash-token'], {}, 'my-token\n');

    expect(code).toBe(0);
    expect(stdout.trim()).toBe(createHash('sha256').update('my-token').digest('hex'));
  });

  it('new-webhook-secret prints a whsec_ secret of 32 random bytes', async () => {
    const { stdout } = await rotator(['new-webhook-secret']);

    expect(stdout).toMatch(/^whsec_[A-Za-z0-9+/]{43}=\n$/);
  });
});

describe('the local server', () => {
  const request = (
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ) => fetch(new URL(path, server.url), { method: 'POST', ...init });

  it('delivers a non-text body base64-encoded, as the HTTP API does', async () => {
    const response = await request('/rotate', {
      headers: { authorization: `Bearer ${LOCAL_TOKEN}`, 'content-type': 'application/octet-stream' },
      body: 'x',
    });

    expect(response.status).toBe(415);
  });

  it('leaves unknown paths to the function, as a catch-all route would', async () => {
    const response = await request('/status', { method: 'GET' });

    expect(response.status).toBe(404);
  });
});

/** `npm start` in a child process, once it says where it listens; `output()` is all it printed so far. */
async function npmStart(env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['local/start.ts'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
  });
  let stdout = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = /Rotator listening on (http:\/\/127\.0\.0\.1:\d+)\/rotate/.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', () => reject(new Error(`exited early:\n${stdout}`)));
  });
  return { child, url, output: () => stdout };
}

describe('npm start', () => {
  it('serves the bundled handler against the emulator, then stops on Ctrl-C', async () => {
    const started = await npmStart();
    const { child, url } = started;

    const response = await fetch(`${url}/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${LOCAL_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ZoneId: ZONE, SecretKey: randomBytes(32).toString('base64') }),
    });
    // The sync demo it prints: a webhook signed as Doppler signs, and TEO follows the emulated Doppler secret.
    const body = JSON.stringify({
      type: 'config.secrets.update',
      config: { project: DEMO_DOPPLER.project, name: DEMO_DOPPLER.config },
    });
    const synced = await fetch(`${url}/sync/doppler`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-doppler-signature': `sha256=${createHmac('sha256', DEMO_DOPPLER.webhookSecret).update(body).digest('hex')}`,
      },
      body,
    });
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');

    expect(await synced.json()).toEqual({ Results: [{ ZoneId: DEMO_ZONES[1], Outcome: 'synced' }] });
    expect(started.output()).toContain(`curl -sS ${url}/sync/doppler`);
    expect(response.status).toBe(200);
    expect(started.output()).toContain('no Tencent account needed');
    expect(started.output()).toContain(`-H 'authorization: Bearer ${LOCAL_TOKEN}'`);
    expect(started.output()).toContain('npm run -s rotator -- rotate');
    expect(started.output()).toContain('"outcome":"rotated"');
    expect(started.output()).toContain('Stopped.');
    expect(code).toBe(0);
  });

  it('runs keyless with TENCENT_AUTH=oidc: temporary credentials from the STS stand-ins, and says so', async () => {
    const started = await npmStart({ TENCENT_AUTH: 'oidc' });
    const { child, url } = started;

    const response = await fetch(`${url}/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${LOCAL_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ZoneId: ZONE, SecretKey: randomBytes(32).toString('base64') }),
    });
    child.kill('SIGTERM');
    await once(child, 'exit');

    expect(response.status).toBe(200);
    expect(started.output()).toContain('Keyless (TENCENT_AUTH=oidc): no Tencent key anywhere.');
    expect(started.output()).not.toContain(DEMO_TENCENT.secretKey);
    expect(started.output()).toContain('"outcome":"rotated"');
  });

  it('uses your TENCENTCLOUD_* credentials, TEO_ENDPOINT and callers when they are set, and says so', async () => {
    const started = await npmStart({
      TENCENTCLOUD_SECRET_ID: DEMO_TENCENT.secretId,
      TENCENTCLOUD_SECRET_KEY: DEMO_TENCENT.secretKey,
      ROTATOR_FINGERPRINT_KEY: FINGERPRINT_KEY,
      TEO_ENDPOINT: emulator.url,
      ROTATOR_CLIENTS: localClients(),
    });
    const { child, url } = started;
    const key = randomBytes(32).toString('base64');

    const response = await fetch(`${url}/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${LOCAL_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ZoneId: ZONE, SecretKey: key }),
    });
    child.kill('SIGTERM');
    await once(child, 'exit');

    expect(started.output()).toContain(
      `Talking to a TEO emulator on this machine at ${emulator.url} with your TENCENTCLOUD_* credentials.`,
    );
    expect(started.output()).not.toContain('TEO emulator at');
    expect(started.output()).toContain('Callers: yours, from ROTATOR_CLIENTS.');
    expect(started.output()).not.toContain(LOCAL_TOKEN);
    expect(response.status).toBe(200);
    expect(emulator.zoneKey(ZONE)).toBe(key);
  });

  it('refuses to put the public demo callers in front of a TEO of your own', async () => {
    const result = await run(process.execPath, ['local/start.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        TENCENTCLOUD_SECRET_ID: DEMO_TENCENT.secretId,
        TENCENTCLOUD_SECRET_KEY: DEMO_TENCENT.secretKey,
        ROTATOR_FINGERPRINT_KEY: FINGERPRINT_KEY,
        TEO_ENDPOINT: emulator.url,
      },
    }).catch((error) => error);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'With your TENCENTCLOUD_* credentials, npm start needs callers of your own',
    );
    expect(result.stdout).not.toContain('Rotator listening');
  });

  it('stops, naming the problem, when the callers are invalid, rather than serve 500s', async () => {
    const result = await run(process.execPath, ['local/start.ts'], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', ROTATOR_CLIENTS: '[{"name":"ops"}]' },
    }).catch((error) => error);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('The configuration is invalid; npm start stops:');
    expect(result.stderr).toContain('ROTATOR_CLIENTS');
    expect(result.stdout).not.toContain('Rotator listening');
  });

  it('says clearly when its port is in use', async () => {
    const taken = http.createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as AddressInfo;
    try {
      const result = await run(process.execPath, ['local/start.ts'], {
        env: { PATH: process.env.PATH ?? '', PORT: String(port) },
      }).catch((error) => error);

      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `Port ${port} is in use. Choose another one: PORT=${port + 1} npm start`,
      );
    } finally {
      taken.close();
    }
  });
});
