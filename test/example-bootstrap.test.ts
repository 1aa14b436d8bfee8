// docs/examples/bootstrap.sh, run as a user runs it from a checkout: `aws` and `npx serverless` are stand-ins that
// record what they are asked (the deployment answers with the local server's URL); the smoke test is the real CLI
// (npm run rotator) against the local server and the TEO emulator.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ZONES, LOCAL_ACCESS_KEYS, LOCAL_TOKEN, localClients } from '../local/demo-setup.ts';
import { captureOutput } from './support/captured-output.ts';
import { LOCAL_REGION, type LocalStack, runProcess, startLocalStack } from './support/local-stack.ts';

const ZONE = DEMO_ZONES[0] ?? '';
/** The npm on this PATH, which the stand-in hands everything but the package step to. */
const npmPath = execFileSync('/bin/sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
const [ACCESS_KEY_ID = '', { secretAccessKey = '' } = {}] = Object.entries(LOCAL_ACCESS_KEYS)[0] ?? [];
const TENCENT = { id: 'AKIDBootstrapTestNotARealId0000', key: 'BootstrapTestNotARealSecretKey00' };

let stack: LocalStack;
const output = captureOutput();
const scratch = mkdtempSync(join(tmpdir(), 'rotator-bootstrap-'));
const clients = join(scratch, 'clients.json');
beforeAll(async () => {
  stack = await startLocalStack();
  writeFileSync(clients, localClients());
  const bin = join(scratch, 'bin');
  mkdirSync(bin);
  // Each records its arguments; aws answers as AWS would for a new account with room for the functions.
  const stand = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\nprintf "%s\\n" "${name} $*" >> "$CALLS"\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  stand(
    'aws',
    `case "$1 $2" in
  "lambda get-account-settings") echo "$CONCURRENCY_LIMIT" ;;
  "secretsmanager describe-secret") [ -f "$SECRET_MADE" ] || exit 254 ;;
  "secretsmanager create-secret") touch "$SECRET_MADE" ;;
  "cloudformation describe-stacks") echo "$ENDPOINT" ;;
esac
for a in "$@"; do case "$a" in file://*) cat "\${a#file://}" > "$CALLS.secret"; ls -l "\${a#file://}" | cut -c1-10 > "$CALLS.mode" ;; esac; done`,
  );
  stand('npx', '');
  // npm runs the smoke test for real; its package step is recorded (the real one is checked in CI).
  stand('npm', `case "$1 $2" in "run package") ;; *) exec ${JSON.stringify(npmPath)} "$@" ;; esac`);
});
afterAll(async () => {
  output.restore();
  await stack.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function bootstrap(env: Record<string, string> = {}, args = ['prod', 'eu-west-1', ZONE, clients]) {
  const calls = join(mkdtempSync(join(scratch, 'run-')), 'calls');
  const result = await runProcess(['docs/examples/bootstrap.sh', ...args], {
    PATH: `${join(scratch, 'bin')}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? '',
    TMPDIR: scratch,
    CALLS: calls,
    // The account's state across runs: whether the secret was created.
    SECRET_MADE: join(scratch, 'secret-made'),
    CONCURRENCY_LIMIT: '1000',
    ENDPOINT: stack.server.url,
    TENCENTCLOUD_SECRET_ID: TENCENT.id,
    TENCENTCLOUD_SECRET_KEY: TENCENT.key,
    ROTATOR_TOKEN: LOCAL_TOKEN,
    ...env,
  });
  const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);
  return {
    ...result,
    calls: (read(calls) ?? '').trim().split('\n').filter(Boolean),
    secret: read(`${calls}.secret`),
    mode: read(`${calls}.mode`)?.trim(),
  };
}

/** The temporary files the script made (mktemp) and left: its private copy of the secret among them. */
const leftFiles = () => readdirSync(scratch).filter((name) => name.startsWith('tmp.'));

describe('the bootstrap script', () => {
  it('creates the secret from a private file, checks the package, deploys, then dry-runs and reads the zone: nothing changes', async () => {
    const before = stack.emulator.zoneKey(ZONE);

    const run = await bootstrap();

    expect(run.code).toBe(0);
    expect(run.calls.map((call) => call.split(' --')[0])).toEqual([
      'aws lambda get-account-settings',
      'aws secretsmanager describe-secret',
      'aws secretsmanager create-secret',
      'npm run package',
      'npx serverless deploy',
      'aws cloudformation describe-stacks',
      // The smoke test: the dry run, then the zone's status.
      'npm run -s rotator',
      'npm run -s rotator',
    ]);
    expect(JSON.parse(run.secret ?? '')).toEqual({
      TENCENTCLOUD_SECRET_ID: TENCENT.id,
      TENCENTCLOUD_SECRET_KEY: TENCENT.key,
      ROTATOR_CLIENTS: localClients(),
    });
    expect(run.mode).toBe('-rw-------');
    // No secret value on any command line, and none printed.
    for (const value of [TENCENT.id, TENCENT.key, LOCAL_TOKEN])
      expect(`${run.calls.join('\n')}${run.stdout}${run.stderr}`).not.toContain(value);
    expect(run.stdout).toContain('Created the secret teo-key-rotator/prod');
    expect(run.stdout).toContain('DryRun: the rotation would be sent');
    expect(stack.emulator.zoneKey(ZONE)).toBe(before);
    expect(leftFiles()).toEqual([]);
  });

  it('smoke-tests as an IAM caller, with the deployer’s own AWS credentials, when no bearer token is given', async () => {
    const run = await bootstrap({
      ROTATOR_TOKEN: '',
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      AWS_REGION: LOCAL_REGION,
    });

    expect(run.code).toBe(0);
    // Run again: the secret is updated, not created twice.
    expect(run.stdout).toContain('Updated the secret teo-key-rotator/prod');
    expect(run.calls).toContainEqual(expect.stringMatching(/^aws secretsmanager put-secret-value /));
    expect(run.stdout).toContain('DryRun: the rotation would be sent');
  });

  it('stops before creating anything when the account cannot reserve the functions’ concurrency', async () => {
    const run = await bootstrap({ CONCURRENCY_LIMIT: '10' });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "The account's Lambda concurrency limit is 10; the deployment needs at least 109",
    );
    expect(run.calls).toEqual([
      'aws lambda get-account-settings --region eu-west-1 --query AccountLimit.ConcurrentExecutions --output text',
    ]);
  });

  it('refuses to start without the Tencent key, or with callers that are not a list', async () => {
    const noKey = await bootstrap({ TENCENTCLOUD_SECRET_KEY: '' });
    writeFileSync(join(scratch, 'bad.json'), '{"name": "x"}');
    const badClients = await bootstrap({}, ['prod', 'eu-west-1', ZONE, join(scratch, 'bad.json')]);

    expect([noKey.code, noKey.calls]).toEqual([2, []]);
    expect(noKey.stderr).toContain("TENCENTCLOUD_SECRET_KEY is not set: the rotator's Tencent API key");
    expect([badClients.code, badClients.calls]).toEqual([2, []]);
    expect(badClients.stderr).toContain('is not a JSON array of callers');
  });
});
