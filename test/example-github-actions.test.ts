// docs/examples/github-actions/rotate-zone.yml: its Rotate step's script, run as GitHub runs a `run:` (bash -eo
// pipefail) with the environment the earlier steps leave (AWS credentials, the CLI on PATH), against the local
// server and the TEO emulator; `aws` is a stand-in that records what would be stored.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Fault } from '../emulator/teo-emulator.ts';
import { DEMO_ZONES, LOCAL_ACCESS_KEYS } from '../local/demo-setup.ts';
import { captureOutput } from './support/captured-output.ts';
import { LOCAL_REGION, type LocalStack, runProcess, startLocalStack } from './support/local-stack.ts';

const WORKFLOW = parse(readFileSync('docs/examples/github-actions/rotate-zone.yml', 'utf8'));
const STEPS: {
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}[] = WORKFLOW.jobs.rotate.steps;
const ROTATE = STEPS.find(({ name }) => name === 'Rotate');
const ZONE = DEMO_ZONES[0] ?? '';
const [ACCESS_KEY_ID = '', { secretAccessKey = '' } = {}] = Object.entries(LOCAL_ACCESS_KEYS)[0] ?? [];

let stack: LocalStack;
const output = captureOutput();
const scratch = mkdtempSync(join(tmpdir(), 'rotator-gha-'));
beforeAll(async () => {
  stack = await startLocalStack();
  // What the earlier steps leave on PATH: the CLI (here from source), and the AWS CLI (a stand-in).
  const bin = join(scratch, 'bin');
  mkdirSync(bin);
  for (const [name, body] of [
    // Records its arguments (no key is ever among them), and runs the CLI.
    ['rotator', `printf "%s\\n" "$*" >> "$AWS_LOG.rotator"; exec node ${resolve('cli/rotator.ts')} "$@"`],
    [
      'aws',
      // Records its arguments, and what a file:// argument names.
      `printf "%s\\n" "$*" >> "$AWS_LOG"; for a in "$@"; do case "$a" in file://*) cat "\${a#file://}" > "$AWS_LOG.stored";; esac; done`,
    ],
  ] as const) {
    const file = join(bin, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
  }
});
afterAll(async () => {
  output.restore();
  await stack.close();
  rmSync(scratch, { recursive: true, force: true });
});
afterEach(() => stack.emulator.clearFaults());

/** Each run a workflow run of its own (GitHub's run id, which the Idempotency-Key carries). */
let runs = 7000;

/** The Rotate step, run once in a runner temp directory of its own. */
async function runRotateStep(zone = ZONE) {
  runs += 1;
  const runnerTemp = mkdtempSync(join(scratch, 'runner-'));
  const awsLog = join(runnerTemp, 'aws.log');
  const env = {
    PATH: `${join(scratch, 'bin')}:${process.env.PATH ?? ''}`,
    TMPDIR: runnerTemp,
    RUNNER_TEMP: runnerTemp,
    GITHUB_RUN_ID: String(runs),
    GITHUB_RUN_ATTEMPT: '1',
    RETRY_DELAY_SECONDS: '0',
    AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_REGION: LOCAL_REGION,
    AWS_LOG: awsLog,
    ROTATOR_URL: stack.server.url,
    ZONE: zone,
    KEY_SECRET_ID: `gateways/${zone}`,
  };
  const result = await runProcess(
    ['bash', '--noprofile', '--norc', '-eo', 'pipefail', '-c', ROTATE?.run ?? ''],
    env,
  );
  return {
    ...result,
    awsCalls: existsSync(awsLog) ? readFileSync(awsLog, 'utf8').trim().split('\n') : [],
    stored: existsSync(`${awsLog}.stored`) ? readFileSync(`${awsLog}.stored`, 'utf8').trim() : undefined,
    rotatorCalls: readFileSync(`${awsLog}.rotator`, 'utf8').trim().split('\n'),
  };
}

/** TEO applies the key, then every answer about it is lost: the rotator cannot tell (502, exit 3). */
const appliedThenLost = (): Fault[] => [
  { kind: 'http-status', status: 503, applied: true },
  ...Array<Fault>(5).fill({ kind: 'http-status', status: 503 }),
];

describe('the GitHub Actions workflow that rotates a zone', () => {
  it('rotates the zone as an IAM caller and stores the key that is live, by file, never on a command line', async () => {
    const step = await runRotateStep();

    expect(step.code).toBe(0);
    expect(step.stored).toBe(stack.emulator.zoneKey(ZONE));
    expect(step.awsCalls).toEqual([
      expect.stringMatching(
        new RegExp(`^secretsmanager put-secret-value --secret-id gateways/${ZONE} --secret-string file://`),
      ),
    ]);
    expect(JSON.parse(step.stdout)).toEqual({
      RequestId: expect.any(String),
      KeyFingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(step.stdout).not.toContain(step.stored);
  });

  it('sends an unknown outcome again, same key and Idempotency-Key, and stores the key TEO holds', async () => {
    stack.emulator.inject(...appliedThenLost());

    const step = await runRotateStep();

    expect(step.code).toBe(0);
    expect(step.stored).toBe(stack.emulator.zoneKey(ZONE));
    // The first request's answer was lost; the second, the same request, was answered.
    const [first, second, ...others] = step.rotatorCalls;
    const idempotencyKey = / --idempotency-key (\S+)/.exec(first ?? '')?.[1];
    expect(first).toContain(' --generate ');
    expect(second).toBe(
      `rotate --aws-iam --url ${stack.server.url} --zone ${ZONE} --key - --idempotency-key ${idempotencyKey} --json`,
    );
    expect(others).toEqual([]);
  });

  it('stores nothing, and fails the job, when the rotation is refused', async () => {
    const before = stack.emulator.zoneKey(ZONE);
    stack.emulator.inject({ kind: 'error', code: 'OperationDenied' });

    const step = await runRotateStep();

    expect(step.code).toBe(1);
    expect(step.awsCalls).toEqual([]);
    expect(step.stdout).toContain('The rotation of');
    expect(stack.emulator.zoneKey(ZONE)).toBe(before);
  });

  it('exchanges GitHub’s OIDC token for the role, and splices no expression into a script', () => {
    expect(WORKFLOW.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    expect(
      STEPS.find(({ uses }) => uses?.startsWith('aws-actions/configure-aws-credentials@'))?.with,
    ).toMatchObject({
      'role-to-assume': `\${{ vars.ROTATOR_CALLER_ROLE_ARN }}`,
    });
    expect(STEPS.filter(({ run }) => run?.includes('${{'))).toEqual([]);
  });
});
