// The rotator CLI never loses a key and never carries one anywhere but the function: end to end against the local
// server and the emulator, and against hostile or broken servers on loopback.
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Fault } from '../emulator/teo-emulator.ts';
import { DEMO_NEW_ZONE, DEMO_ZONES, LOCAL_TOKEN, LOCAL_WEBHOOK_SECRET } from '../local/demo-setup.ts';
import { captureOutput } from './support/captured-output.ts';
import { fingerprint } from './support/fake-config.ts';
import { inShell, type LocalStack, RUN_AS, rotator, startLocalStack } from './support/local-stack.ts';

const ZONE = DEMO_ZONES[0] ?? '';
const BEARER = { ROTATOR_TOKEN: LOCAL_TOKEN };
const MODIFY = 'ModifyMultiPathGatewaySecretKey';

let stack: LocalStack;
// The function's audit lines, written in this process by the local server's handler: kept off the test report.
const output = captureOutput();
beforeAll(async () => {
  stack = await startLocalStack();
});
afterAll(async () => {
  output.restore();
  await stack.close();
});
afterEach(() => {
  stack.emulator.clearFaults();
  stack.emulator.calls.length = 0;
});

/** A directory of the test's own, removed with the others once the file's tests are done. */
const scratches: string[] = [];
const scratch = () => {
  const made = mkdtempSync(join(tmpdir(), 'rotator-test-'));
  scratches.push(made);
  return made;
};
afterAll(() => {
  for (const made of scratches) rmSync(made, { recursive: true, force: true });
});
const rotate = (
  extra: string[],
  env: Record<string, string> = BEARER,
  stdin?: string,
  url = stack.server.url,
  zone = ZONE,
) => rotator(['rotate', '--url', url, '--zone', zone, ...extra], env, stdin);

/** TEO applies the key, then every answer about it is lost: the function cannot tell, and says so (502). */
const appliedThenLost = (): Fault[] => [
  { kind: 'http-status', status: 503, applied: true },
  ...Array<Fault>(5).fill({ kind: 'http-status', status: 503 }),
];

/** A loopback server that records what reaches it and answers as told. */
async function fakeServer(
  answer: (request: http.IncomingMessage) => {
    status: number;
    headers?: Record<string, string>;
    body: string;
  },
) {
  const received: { path: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    received.push({
      path: request.url ?? '',
      headers: request.headers,
      body: Buffer.concat(chunks).toString(),
    });
    const { status, headers = { 'content-type': 'application/json' }, body } = answer(request);
    response.writeHead(status, headers).end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const close = () => new Promise<void>((closed) => server.close(() => closed()));
  return { url: `http://127.0.0.1:${port}`, received, close };
}

describe('a key whose fate is unknown is never lost', () => {
  it('keeps a generated key in a private file and prints the exact resend command, which makes it live', async () => {
    stack.emulator.inject(...appliedThenLost());

    const lost = await rotate(['--generate']);

    expect(lost.code).toBe(3);
    expect(lost.stderr).toContain('The outcome is unknown');
    const command = /^Send the same request again.*\n {2}(.*)$/m.exec(lost.stderr)?.[1] ?? '';
    const file = /< (\S+)$/.exec(command)?.[1] ?? '';
    const idempotencyKey = /--idempotency-key (\S+)/.exec(command)?.[1] ?? '';
    const key = readFileSync(file, 'utf8').trim();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // TEO did apply it: the file holds the key that is live now, and no output shows it.
    expect(stack.emulator.zoneKey(ZONE)).toBe(key);
    expect(`${lost.stdout}${lost.stderr}`).not.toContain(key);
    // Named as it was run (here node and the script: no `rotator` on PATH), so that pasted, it runs.
    expect(command).toBe(
      `${RUN_AS} rotate --url ${stack.server.url} --zone ${ZONE} --key - --idempotency-key ${idempotencyKey} < ${file}`,
    );
    // The fingerprint is keyed: the CLI asks the function, with the check command it printed, whether the key is live.
    const check =
      /^To see whether it is live without changing anything:\n {2}(.*)$/m.exec(lost.stderr)?.[1] ?? '';
    expect(check).toBe(
      `${RUN_AS} rotate --url ${stack.server.url} --zone ${ZONE} --key - --dry-run < ${file}`,
    );
    const checked = await inShell(check, BEARER);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toMatch(
      /^DryRun: this key is live already \(a rotation to it would change nothing\);/,
    );

    const resent = await inShell(command, BEARER);

    expect(resent.code).toBe(0);
    expect(resent.stdout).toMatch(/^RequestId: /);
    expect(stack.emulator.zoneKey(ZONE)).toBe(key);
  });

  it('writes --key-out (mode 0600) before sending, and says in JSON how to resend', async () => {
    const file = join(scratch(), 'new-key');
    stack.emulator.inject(...appliedThenLost());

    const lost = await rotate([
      '--generate',
      '--key-out',
      file,
      '--json',
      '--idempotency-key',
      'ops-2026-11-28',
    ]);

    expect(lost.code).toBe(3);
    const answer = JSON.parse(lost.stdout);
    expect(answer).toMatchObject({ Outcome: 'unknown', KeyFile: file, Error: { Code: 'InternalError' } });
    expect(answer.Resend).toBe(
      `${RUN_AS} rotate --url ${stack.server.url} --zone ${ZONE} --key - --idempotency-key ops-2026-11-28 < ${file}`,
    );
    expect(answer.Check).toBe(
      `${RUN_AS} rotate --url ${stack.server.url} --zone ${ZONE} --key - --dry-run < ${file}`,
    );
    expect(readFileSync(file, 'utf8').trim()).toBe(stack.emulator.zoneKey(ZONE));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(lost.stdout).not.toContain(stack.emulator.zoneKey(ZONE));
  });

  it('run from a checkout through npm, prints the resend in that form, which runs', async () => {
    stack.emulator.inject(...appliedThenLost());
    const npm = ['npm', 'run', '-s', 'rotator', '--', 'rotate', '--url', stack.server.url, '--zone', ZONE];

    const lost = await inShell([...npm, '--generate', '--json'].join(' '), {
      ...BEARER,
      HOME: process.env.HOME ?? '',
    });

    expect(lost.code).toBe(3);
    const { Resend, KeyFile } = JSON.parse(lost.stdout);
    expect(Resend).toMatch(
      new RegExp(`^npm run rotator -- rotate --url ${stack.server.url} --zone ${ZONE} --key -`),
    );
    const resent = await inShell(Resend, { ...BEARER, HOME: process.env.HOME ?? '' });
    expect(resent.code).toBe(0);
    expect(stack.emulator.zoneKey(ZONE)).toBe(readFileSync(KeyFile, 'utf8').trim());
  });

  it('with --key-out, a success prints the key nowhere and names its file', async () => {
    const file = join(scratch(), 'new-key');

    const rotated = await rotate(['--generate', '--key-out', file, '--json']);

    expect(rotated.code).toBe(0);
    const key = readFileSync(file, 'utf8').trim();
    expect(stack.emulator.zoneKey(ZONE)).toBe(key);
    expect(JSON.parse(rotated.stdout)).toMatchObject({ KeyFile: file });
    expect(rotated.stdout).not.toContain(key);
  });

  it('writes a relative --key-out where npm was run (INIT_CWD), not in the package directory', async () => {
    const where = scratch();

    const rotated = await rotate(['--generate', '--key-out', 'relative-key', '--json'], {
      ...BEARER,
      INIT_CWD: where,
    });

    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.stdout)).toMatchObject({ KeyFile: join(where, 'relative-key') });
    expect(readFileSync(join(where, 'relative-key'), 'utf8').trim()).toBe(stack.emulator.zoneKey(ZONE));
  });

  it('refuses to overwrite an existing --key-out file, and sends nothing', async () => {
    const file = join(scratch(), 'existing');
    writeFileSync(file, 'keep me\n');

    const refused = await rotate(['--generate', '--key-out', file]);

    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--key-out: not writing the key to that file: it exists already');
    expect(readFileSync(file, 'utf8')).toBe('keep me\n');
    expect(stack.emulator.calls).toEqual([]);
  });

  it('writes no --key-out file when its own checks refuse the request before sending (no credential)', async () => {
    const dir = scratch();
    const file = join(dir, 'key');

    const refused = await rotate(['--generate', '--key-out', file], {});

    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('set exactly one of ROTATOR_TOKEN, ROTATOR_WEBHOOK_SECRET or --aws-iam');
    expect(readdirSync(dir)).toEqual([]);
    expect(stack.emulator.calls).toEqual([]);
  });

  it('exits 1 and writes no key file when TEO refused, the previous key being live', async () => {
    stack.emulator.inject({ kind: 'error', code: 'OperationDenied' });
    const before = stack.emulator.zoneKey(ZONE);

    const refused = await rotate(['--generate']);

    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'error: OperationDenied: TEO refused ModifyMultiPathGatewaySecretKey (OperationDenied).\n',
    );
    expect(stack.emulator.zoneKey(ZONE)).toBe(before);
  });
});

describe('rotator rotate --dry-run and rotator status', () => {
  it('rehearses a rotation: exit 0, nothing changed, TEO only described the zone', async () => {
    const before = stack.emulator.zoneKey(ZONE);

    const result = await rotate(['--generate', '--dry-run']);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^DryRun: the rotation would be sent; nothing changed \(RequestId [0-9a-f-]{36}, key [0-9a-f]{16}\)\n$/,
    );
    expect(stack.emulator.zoneKey(ZONE)).toBe(before);
    expect(stack.emulator.calls.map((call) => call.action)).toEqual(['DescribeMultiPathGatewaySecretKey']);
  });

  it('tells which key is live, by fingerprint, and whether the function put it there', async () => {
    const file = join(scratch(), 'key');
    await rotate(['--generate', '--key-out', file]);
    const live = fingerprint(readFileSync(file, 'utf8').trim());

    const result = await rotator(['status', '--url', stack.server.url, '--zone', ZONE], BEARER);
    const json = await rotator(['status', '--url', stack.server.url, '--zone', ZONE, '--json'], BEARER);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`LiveKeyFingerprint: ${live}`);
    expect(result.stdout).toMatch(new RegExp(`LastRotation: \\S+ by local-dev, key ${live} \\(live\\)`));
    expect(JSON.parse(json.stdout)).toMatchObject({
      ZoneId: ZONE,
      LiveKeyFingerprint: live,
      LastRotation: { Live: true },
    });
  });

  it('sets a zone’s first key: says the zone had none, status first says so, then shows the key', async () => {
    const status = (json: string[] = []) =>
      rotator(['status', '--url', stack.server.url, '--zone', DEMO_NEW_ZONE, ...json], BEARER);
    const before = await status();
    const rehearsed = await rotate(
      ['--generate', '--dry-run'],
      BEARER,
      undefined,
      stack.server.url,
      DEMO_NEW_ZONE,
    );
    const file = join(scratch(), 'key');

    const rotated = await rotate(
      ['--generate', '--key-out', file],
      BEARER,
      undefined,
      stack.server.url,
      DEMO_NEW_ZONE,
    );

    expect(before.code).toBe(0);
    expect(before.stdout).toContain(
      'LiveKeyFingerprint: none: the zone has no key yet (its first rotation creates one)',
    );
    expect(rehearsed.stdout).toMatch(
      /^DryRun: the zone has no key yet: its first would be created; nothing changed \(RequestId [0-9a-f-]{36}, key [0-9a-f]{16}\)\n$/,
    );
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain('FirstKey: true\n');
    const key = readFileSync(file, 'utf8').trim();
    expect(stack.emulator.zoneKey(DEMO_NEW_ZONE)).toBe(key);
    expect(JSON.parse((await status(['--json'])).stdout)).toMatchObject({
      HasKey: true,
      LiveKeyFingerprint: fingerprint(key),
      LastRotation: { Live: true },
    });
  });

  it('shows a bound zone’s sync health, saying when it needs attention', async () => {
    const bound = await startLocalStack({
      ROTATOR_SYNC_BINDINGS: JSON.stringify([
        { zone: ZONE, source: { kind: 'doppler', project: 'p', config: 'c', name: 'N' } },
      ]),
    });
    try {
      for (let run = 0; run < 3; run += 1) await bound.ledger.recordSync(ZONE, { verified: false, at: 1 });

      const shown = await rotator(['status', '--url', bound.server.url, '--zone', ZONE], BEARER);
      const json = await rotator(['status', '--url', bound.server.url, '--zone', ZONE, '--json'], BEARER);

      expect(shown.stdout).toContain('Sync: last verified never, 3 failed in a row: NEEDS ATTENTION\n');
      expect(JSON.parse(json.stdout).Sync).toEqual({
        LastVerified: null,
        ConsecutiveFailures: 3,
        NeedsAttention: true,
      });
      // A zone no binding names has no Sync, though others are bound.
      const unbound = await rotator(
        ['status', '--url', bound.server.url, '--zone', DEMO_NEW_ZONE, '--json'],
        BEARER,
      );
      expect(JSON.parse(unbound.stdout)).not.toHaveProperty('Sync');
    } finally {
      await bound.close();
    }
  });

  it('refuses a malformed zone id with the function’s own error', async () => {
    const result = await rotator(['status', '--url', stack.server.url, '--zone', 'zone-BAD'], BEARER);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: InvalidParameterValue: ZoneId must be');
  });
});

describe('every rotation is safe to send again', () => {
  it('carries an Idempotency-Key, fresh each time unless given', async () => {
    const server = await fakeServer(() => ({ status: 200, body: '{"RequestId":"r-1"}' }));
    try {
      await rotate(['--generate'], BEARER, undefined, server.url);
      await rotate(['--generate'], BEARER, undefined, server.url);
      await rotate(['--generate', '--idempotency-key', 'mine-1'], BEARER, undefined, server.url);
    } finally {
      server.close();
    }

    const keys = server.received.map((request) => request.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^rot_[0-9a-f-]{36}$/);
    expect(keys[1]).toMatch(/^rot_[0-9a-f-]{36}$/);
    expect(keys[0]).not.toBe(keys[1]);
    expect(keys[2]).toBe('mine-1');
  });

  it('uses the Idempotency-Key as the webhook-id of a signed webhook', async () => {
    const server = await fakeServer(() => ({ status: 200, body: '{"RequestId":"r-1"}' }));
    try {
      await rotate(
        ['--generate', '--idempotency-key', 'msg_again'],
        { ROTATOR_WEBHOOK_SECRET: LOCAL_WEBHOOK_SECRET },
        undefined,
        server.url,
      );
    } finally {
      server.close();
    }

    expect(server.received[0]?.headers['webhook-id']).toBe('msg_again');
  });
});

describe('the key goes to the function and nowhere else', () => {
  it.each([307, 308, 301])(
    'refuses to follow a %i redirect, which never receives the key',
    async (status) => {
      const elsewhere = await fakeServer(() => ({ status: 200, body: '{"RequestId":"attacker"}' }));
      const redirecting = await fakeServer(() => ({
        status,
        headers: { location: `${elsewhere.url}/steal` },
        body: '',
      }));
      try {
        const result = await rotate(['--generate'], BEARER, undefined, redirecting.url);

        expect(result.code).toBe(1);
        expect(result.stderr).toContain(`error: Redirected: HTTP ${status}: redirects are never followed`);
        expect(result.stdout).toBe('');
        expect(elsewhere.received).toEqual([]);
      } finally {
        redirecting.close();
        elsewhere.close();
      }
    },
  );

  it.each(['http://rotator.example.com', 'ftp://127.0.0.1', 'http://10.0.0.5:3000'])(
    'refuses the URL %s before sending anything (exit 2)',
    async (url) => {
      const result = await rotate(['--generate'], BEARER, undefined, url);

      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--url must be https:// (or http:// to a loopback address)');
    },
  );

  it('refuses a URL carrying a password, without ever printing it', async () => {
    const result = await rotate(
      ['--generate'],
      BEARER,
      undefined,
      'https://ops:hunter2-pass@rotator.example.com',
    );

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--url must not carry a user name or password');
    expect(`${result.stdout}${result.stderr}`).not.toContain('hunter2-pass');
  });

  it.each([
    ['a 200 with fields the function never sends', 200, '{"RequestId":"r","Note":"rotation succeeded"}'],
    ['a 200 that is not JSON', 200, '<html>ok</html>'],
    ['a 200 without a RequestId', 200, '{}'],
  ])('believes no success in %s: the outcome is unknown', async (_, status, body) => {
    const server = await fakeServer(() => ({ status, body }));
    try {
      const result = await rotate(['--generate', '--json'], BEARER, undefined, server.url);

      expect(result.code).toBe(3);
      expect(JSON.parse(result.stdout).Outcome).toBe('unknown');
    } finally {
      server.close();
    }
  });

  const error = (code: string, message: string) =>
    JSON.stringify({ Error: { Code: code, Message: message } });
  it.each([
    ['500 InternalError', 'unknown', 3, 500, error('InternalError', 'Internal error.')],
    [
      '502 of refused credentials',
      'unknown',
      3,
      502,
      error('AuthFailure.SignatureFailure', 'A deployment fault.'),
    ],
    ['503 from API Gateway', 'unknown', 3, 503, '{"message":"Service Unavailable"}'],
    [
      '502 that says the previous key is live',
      'refused',
      1,
      502,
      error(
        'InternalError',
        'TEO failed (transport). DescribeMultiPathGatewaySecretKey shows the previous key still live.',
      ),
    ],
    [
      '500 FunctionMisconfigured, checked before anything is sent',
      'refused',
      1,
      500,
      error(
        'FunctionMisconfigured',
        'The function is misconfigured; its log says how. Nothing was sent to TEO.',
      ),
    ],
  ])('reads a %s as %s, exiting %i', async (_, outcome, exit, status, body) => {
    const server = await fakeServer(() => ({ status, body }));
    try {
      const result = await rotate(['--generate', '--json'], BEARER, undefined, server.url);

      expect(result.code).toBe(exit);
      expect(JSON.parse(result.stdout).Outcome).toBe(outcome);
    } finally {
      server.close();
    }
  });

  it('keeps the base path of the URL', async () => {
    const server = await fakeServer(() => ({ status: 200, body: '{"RequestId":"r-1"}' }));
    try {
      await rotate(['--generate'], BEARER, undefined, `${server.url}/prod/`);
    } finally {
      server.close();
    }

    expect(server.received.map((request) => request.path)).toEqual(['/prod/rotate']);
  });
});

describe('what the CLI says', () => {
  it('strips control and escape characters from what the server says', async () => {
    const server = await fakeServer(() => ({
      status: 400,
      body: JSON.stringify({
        Error: { Code: 'Bad\u001b[2K', Message: '\u001b[1A\rRotated: RequestId ok\u0007\u202e' },
      }),
    }));
    try {
      const result = await rotate(['--generate'], BEARER, undefined, server.url);

      expect(result.code).toBe(1);
      expect(result.stderr).toBe('error: Bad[2K: [1ARotated: RequestId ok\n');
    } finally {
      server.close();
    }
  });

  it('prints what API Gateway itself said, in its own {"message"} shape', async () => {
    const server = await fakeServer(() => ({ status: 404, body: '{"message":"Not Found"}' }));
    try {
      const result = await rotate(['--generate'], BEARER, undefined, server.url);

      expect(result.code).toBe(1);
      expect(result.stderr).toBe('error: HTTP 404: Not Found\n');
    } finally {
      server.close();
    }
  });

  it('names the cause when the connection fails, and exits 1: nothing was sent', async () => {
    const closed = await fakeServer(() => ({ status: 200, body: '' }));
    await closed.close();

    const result = await rotate(['--generate'], BEARER, undefined, closed.url);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: ConnectionFailed: the request could not be sent (ECONNREFUSED)\n');
  });

  it.each([['--help'], ['rotate', '--help'], ['rotate', '-h']])(
    'prints the usage for %j and exits 0',
    async (...args) => {
      const result = await rotator(args);

      expect(result.code).toBe(0);
      expect(result.stdout).toContain('rotator rotate --url URL --zone ZONE_ID');
      expect(result.stdout).toContain('Exit status: 0 rotated; 1 refused');
    },
  );

  it('refuses an unknown option with exit 2, naming it', async () => {
    const result = await rotate(['--generate', '--zoneid', ZONE]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown option '--zoneid'");
    expect(stack.emulator.calls.filter((call) => call.action === MODIFY)).toEqual([]);
  });

  it('leaves no key file behind for a clean success or refusal', async () => {
    const before = new Set(readdir());

    await rotate(['--generate']);
    stack.emulator.inject({ kind: 'error', code: 'OperationDenied' });
    await rotate(['--generate']);

    expect(readdir().filter((name) => !before.has(name))).toEqual([]);
  });
});

/** The folders the CLI makes to keep a key (mkdtemp's six characters after the prefix). */
const readdir = () => readdirSync(tmpdir()).filter((name) => /^rotator-[A-Za-z0-9]{6}$/.test(name));

// A published package installs only what it runs: the CLI and the functions are bundled.
describe('the published package', () => {
  it('has no runtime dependency to install', () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8'));

    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.files).toEqual(['dist/cli/']);
  });
});
