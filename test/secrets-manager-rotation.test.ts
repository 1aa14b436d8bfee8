// The Secrets Manager rotation function: each step, its idempotent repeat, every refusal, and a whole rotation,
// with Secrets Manager mocked at the SDK boundary (as a store of versions and staging labels) and TEO emulated.
import { randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadSecretsManagerConfig } from '#lib/config.ts';
import { createInMemoryLedger } from '#lib/ledger/in-memory-ledger.ts';
import { createSecretsManagerRotationHandler } from '#lib/secrets-manager/handler.ts';
import type { Fault, TeoEmulator } from '../emulator/teo-emulator.ts';
import { DEMO_TENCENT, DEMO_ZONES, startDemoEmulator } from '../local/demo-setup.ts';
import { type CapturedOutput, captureOutput } from './support/captured-output.ts';
import { lambdaContext } from './support/events.ts';
import { FAST_RETRY } from './support/fake-config.ts';

const [ZONE = '', OTHER_ZONE = ''] = DEMO_ZONES;
const secretArn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;
const SECRET_ID = secretArn(`teo-key-rotator/zones/${DEMO_ZONES[0]}`);
const INITIAL_KEY = Buffer.alloc(32, 9).toString('base64');

/** Secrets Manager as its SDK sees it: versions with their values and staging labels. */
class FakeSecret {
  rotationEnabled = true;
  versions = new Map<string, { value?: string; stages: string[] }>();
  constructor(value: Record<string, unknown>) {
    this.versions.set('v-initial', { value: JSON.stringify(value), stages: ['AWSCURRENT'] });
  }
  /** What RotateSecret does before invoking the function: a version id staged AWSPENDING, with no value yet. */
  startRotation() {
    const token = randomUUID();
    this.versions.set(token, { stages: ['AWSPENDING'] });
    return token;
  }
  versionWith(stage: string) {
    return [...this.versions].find(([, version]) => version.stages.includes(stage));
  }
  moveStage(stage: string, to: string) {
    for (const version of this.versions.values())
      version.stages = version.stages.filter((name) => name !== stage);
    this.versions.get(to)?.stages.push(stage);
  }
  valueOf(stage: string) {
    return JSON.parse(this.versionWith(stage)?.[1].value ?? '{}');
  }
}

const notFound = () =>
  new ResourceNotFoundException({
    message: 'Secrets Manager can not find the specified secret value.',
    $metadata: {},
  });

const secrets = new SecretsManagerClient({ region: 'eu-west-1' });
const sm = mockClient(secrets);
let secret: FakeSecret;

function fakeSecretsManager() {
  sm.reset();
  sm.on(DescribeSecretCommand).callsFake(async () => ({
    RotationEnabled: secret.rotationEnabled,
    VersionIdsToStages: Object.fromEntries(
      [...secret.versions].map(([id, version]) => [id, [...version.stages]]),
    ),
  }));
  sm.on(GetSecretValueCommand).callsFake(async ({ VersionId, VersionStage }) => {
    const found = VersionId
      ? secret.versions.get(VersionId)
      : secret.versionWith(VersionStage ?? 'AWSCURRENT')?.[1];
    if (!found?.value || (VersionStage && !found.stages.includes(VersionStage))) throw notFound();
    return { SecretString: found.value };
  });
  sm.on(PutSecretValueCommand).callsFake(async ({ ClientRequestToken, SecretString, VersionStages }) => {
    for (const stage of VersionStages ?? []) secret.moveStage(stage, ClientRequestToken);
    const version = secret.versions.get(ClientRequestToken) ?? { stages: VersionStages ?? [] };
    secret.versions.set(ClientRequestToken, { ...version, value: SecretString });
    return {};
  });
  sm.on(UpdateSecretVersionStageCommand).callsFake(
    async ({ VersionStage, MoveToVersionId, RemoveFromVersionId }) => {
      if (VersionStage === 'AWSCURRENT' && RemoveFromVersionId)
        secret.moveStage('AWSPREVIOUS', RemoveFromVersionId);
      secret.moveStage(VersionStage, MoveToVersionId);
      return {};
    },
  );
}

let emulator: TeoEmulator;
let output: CapturedOutput;
beforeAll(async () => {
  emulator = await startDemoEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => {
  secret = new FakeSecret({ ZoneId: ZONE, SecretKey: INITIAL_KEY, Owner: 'platform-team' });
  fakeSecretsManager();
  output = captureOutput();
});
afterEach(() => {
  output.restore();
  emulator.clearFaults();
  emulator.calls.length = 0;
});

const handlerFor = (zones = `${ZONE},${OTHER_ZONE}`) =>
  createSecretsManagerRotationHandler(
    loadSecretsManagerConfig({
      TENCENTCLOUD_SECRET_ID: DEMO_TENCENT.secretId,
      TENCENTCLOUD_SECRET_KEY: DEMO_TENCENT.secretKey,
      TEO_ENDPOINT: emulator.url,
      TEO_TIMEOUT_MS: '300',
      ROTATOR_SM_ZONES: zones,
    }),
    { secrets, ledger: createInMemoryLedger(), retry: FAST_RETRY },
  );

const step = (handler: ReturnType<typeof handlerFor>, Step: string, token: string) =>
  handler({ Step, SecretId: SECRET_ID, ClientRequestToken: token }, lambdaContext());

const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];
const commands = (command: Parameters<typeof sm.commandCalls>[0]) => sm.commandCalls(command).length;
const modifies = () =>
  emulator.calls.filter((call) => call.action === 'ModifyMultiPathGatewaySecretKey').length;

describe('a whole rotation', () => {
  it('puts a fresh key in TEO and makes it AWSCURRENT, keeping the secret’s other fields', async () => {
    const handler = handlerFor();
    const token = secret.startRotation();

    for (const name of STEPS) await step(handler, name, token);

    const current = secret.valueOf('AWSCURRENT');
    expect(secret.versionWith('AWSCURRENT')?.[0]).toBe(token);
    expect(secret.versionWith('AWSPREVIOUS')?.[0]).toBe('v-initial');
    expect(current).toEqual({ ZoneId: ZONE, SecretKey: expect.any(String), Owner: 'platform-team' });
    expect(Buffer.from(current.SecretKey, 'base64')).toHaveLength(32);
    expect(current.SecretKey).not.toBe(INITIAL_KEY);
    expect(emulator.zoneKey(ZONE)).toBe(current.SecretKey);
  });

  it('writes one audit line per step, with metrics, and never the key', async () => {
    const handler = handlerFor();
    const token = secret.startRotation();

    for (const name of STEPS) await step(handler, name, token);

    const key = secret.valueOf('AWSCURRENT').SecretKey;
    expect(output.lines().map((line) => [line.step, line.outcome])).toEqual([
      ['createSecret', 'completed'],
      ['setSecret', 'rotated'],
      ['testSecret', 'completed'],
      ['finishSecret', 'completed'],
    ]);
    expect(output.lines()[1]).toMatchObject({
      zone: ZONE,
      teoAttempts: 1,
      Rotations: 1,
      _aws: expect.any(Object),
    });
    expect(output.text()).not.toContain(key);
    expect(output.text()).not.toContain(INITIAL_KEY);
  });
});

describe('each step repeated with the same token', () => {
  it('createSecret makes the pending version once', async () => {
    const handler = handlerFor();
    const token = secret.startRotation();

    await step(handler, 'createSecret', token);
    const pending = secret.valueOf('AWSPENDING');
    await step(handler, 'createSecret', token);

    expect(commands(PutSecretValueCommand)).toBe(1);
    expect(secret.valueOf('AWSPENDING')).toEqual(pending);
  });

  it('setSecret sets the same key again, harmlessly', async () => {
    const handler = handlerFor();
    const token = secret.startRotation();
    await step(handler, 'createSecret', token);

    await step(handler, 'setSecret', token);
    await step(handler, 'setSecret', token);

    expect(modifies()).toBe(2);
    expect(emulator.zoneKey(ZONE)).toBe(secret.valueOf('AWSPENDING').SecretKey);
  });

  it('finishSecret does nothing once the version is AWSCURRENT', async () => {
    const handler = handlerFor();
    const token = secret.startRotation();
    for (const name of STEPS) await step(handler, name, token);

    for (const name of STEPS) await step(handler, name, token);

    expect(commands(UpdateSecretVersionStageCommand)).toBe(1);
    expect(commands(PutSecretValueCommand)).toBe(1);
    expect(modifies()).toBe(1);
    expect(
      output
        .lines()
        .slice(4)
        .every((line) => line.alreadyCurrent === true),
    ).toBe(true);
  });
});

describe('a step that must not proceed fails clearly and changes nothing', () => {
  const unchanged = () => {
    expect(commands(PutSecretValueCommand)).toBe(0);
    expect(commands(UpdateSecretVersionStageCommand)).toBe(0);
    expect(emulator.calls).toEqual([]);
  };

  it.each(STEPS)('%s, when rotation is not enabled for the secret', async (name) => {
    const token = secret.startRotation();
    secret.rotationEnabled = false;

    await expect(step(handlerFor(), name, token)).rejects.toThrow('Rotation is not enabled for this secret.');
    unchanged();
  });

  it.each(STEPS)('%s, when the token is not a version of the secret', async (name) => {
    await expect(step(handlerFor(), name, randomUUID())).rejects.toThrow(
      'The ClientRequestToken is not a version of this secret.',
    );
    unchanged();
  });

  it.each(STEPS)('%s, when the version is not staged as AWSPENDING', async (name) => {
    const token = secret.startRotation();
    secret.moveStage('AWSPENDING', 'v-initial');

    await expect(step(handlerFor(), name, token)).rejects.toThrow(
      'The version to rotate to is not staged as AWSPENDING.',
    );
    unchanged();
  });

  it.each(['createSecret', 'setSecret'])('%s, when the zone is not in ROTATOR_SM_ZONES', async (name) => {
    const token = secret.startRotation();
    if (name === 'setSecret')
      secret.versions.set(token, {
        value: JSON.stringify({ ZoneId: ZONE, SecretKey: INITIAL_KEY }),
        stages: ['AWSPENDING'],
      });

    await expect(step(handlerFor(OTHER_ZONE), name, token)).rejects.toThrow(
      `The zone ${ZONE} is not in this function's ROTATOR_SM_ZONES.`,
    );
    unchanged();
  });

  it.each([
    ['createSecret', 'current'],
    ['setSecret', 'pending'],
    ['testSecret', 'pending'],
  ])('%s, when the %s value names a zone other than the one the secret is named for', async (name, which) => {
    const token = secret.startRotation();
    const other = JSON.stringify({ ZoneId: OTHER_ZONE, SecretKey: INITIAL_KEY });
    if (which === 'current') secret.versions.set('v-initial', { value: other, stages: ['AWSCURRENT'] });
    else secret.versions.set(token, { value: other, stages: ['AWSPENDING'] });

    await expect(step(handlerFor('*'), name, token)).rejects.toThrow(
      `The ${which} secret names the zone ${OTHER_ZONE}, but the secret's name binds it to ${ZONE}.`,
    );
    unchanged();
  });

  it.each([
    ['not under the prefix', secretArn(`elsewhere/${DEMO_ZONES[0]}`)],
    ['the prefix alone', secretArn('teo-key-rotator/zones/')],
    ['the prefix and no zone id', secretArn('teo-key-rotator/zones/gateway-key')],
    ['a name, not an ARN, of another form', 'my-gateway-key'],
  ])('every step, when the secret is %s', async (_, secretId) => {
    const token = secret.startRotation();

    for (const name of STEPS) {
      await expect(
        handlerFor('*')({ Step: name, SecretId: secretId, ClientRequestToken: token }, lambdaContext()),
      ).rejects.toThrow(
        "The secret's name is not teo-key-rotator/zones/<ZoneId>: this function rotates only secrets named for their zone.",
      );
    }
    expect(sm.calls()).toHaveLength(0);
    unchanged();
  });

  it('createSecret, when the current secret has no valid ZoneId', async () => {
    secret = new FakeSecret({ ZoneId: 'not-a-zone', SecretKey: INITIAL_KEY });
    const token = secret.startRotation();

    await expect(step(handlerFor('*'), 'createSecret', token)).rejects.toThrow(
      /^The current secret's ZoneId must be/,
    );
    unchanged();
  });

  it('an event that is not a rotation step', async () => {
    const handler = handlerFor();

    await expect(
      handler({ Step: 'deleteSecret', SecretId: SECRET_ID, ClientRequestToken: 't' }, lambdaContext()),
    ).rejects.toThrow('The event is not a Secrets Manager rotation step');
    expect(sm.calls()).toHaveLength(0);
  });

  it.each([
    ['null', null],
    ['an array', []],
    ['a string', 'createSecret'],
    ['a step without a token', { Step: 'createSecret', SecretId: SECRET_ID }],
  ])('an event that is %s: refused with InvalidEvent, not failed, and no ERROR line', async (_, event) => {
    await expect(handlerFor()(event, lambdaContext())).rejects.toMatchObject({ code: 'InvalidEvent' });

    expect(sm.calls()).toHaveLength(0);
    expect(output.lines()).toEqual([expect.objectContaining({ level: 'INFO', outcome: 'refused' })]);
    unchanged();
  });

  it('every step, when the configuration is invalid', async () => {
    const handler = createSecretsManagerRotationHandler(
      loadSecretsManagerConfig({ ROTATOR_SM_ZONES: 'zone-a' }),
      { secrets },
    );

    await expect(step(handler, 'createSecret', secret.startRotation())).rejects.toThrow(
      'The function is misconfigured.',
    );
    expect(output.lines()[0]?.errorDetail).toEqual([
      'TENCENTCLOUD_SECRET_ID is not set',
      'TENCENTCLOUD_SECRET_KEY is not set',
    ]);
    unchanged();
  });
});

describe('when TEO fails', () => {
  it('setSecret fails after its retries; AWSCURRENT stays; the next attempt with the same token succeeds', async () => {
    const handler = handlerFor();
    const token = secret.startRotation();
    await step(handler, 'createSecret', token);
    emulator.inject(...Array<Fault>(3).fill({ kind: 'error', code: 'InternalError' }));

    await expect(step(handler, 'setSecret', token)).rejects.toThrow();
    expect(secret.versionWith('AWSCURRENT')?.[0]).toBe('v-initial');
    await expect(step(handler, 'testSecret', token)).rejects.toThrow(
      "TEO's key for the zone is not the pending one",
    );

    for (const name of ['setSecret', 'testSecret', 'finishSecret']) await step(handler, name, token);
    expect(emulator.zoneKey(ZONE)).toBe(secret.valueOf('AWSCURRENT').SecretKey);
  });

  it('setSecret settles a lost answer by reading the key back', async () => {
    const handler = handlerFor();
    const token = secret.startRotation();
    await step(handler, 'createSecret', token);
    emulator.inject({ kind: 'drop', applied: true });

    await step(handler, 'setSecret', token);

    expect(output.lines()[1]).toMatchObject({
      outcome: 'rotated',
      settledBy: 'DescribeMultiPathGatewaySecretKey',
    });
    expect(emulator.zoneKey(ZONE)).toBe(secret.valueOf('AWSPENDING').SecretKey);
  });
});
