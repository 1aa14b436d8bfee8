// The Secrets Manager rotation function: each step, its idempotent repeat, every refusal, and a whole rotation,
// against a Secrets Manager stand-in (versions and staging labels over its real JSON API) and the TEO emulator.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { createInMemoryLedger } from '#lib/domain/ledger/in-memory-ledger.ts';
import { loadSecretsManagerConfig } from '#lib/handlers/config/secrets-manager-config.ts';
import { createSecretsManagerRotationHandler } from '#lib/handlers/secrets-manager/handler.ts';
import type { Fault, TeoEmulator } from '../emulator/teo-emulator.ts';
import { DEMO_TENCENT, DEMO_ZONES, startDemoEmulator } from '../local/demo-setup.ts';
import { type CapturedOutput, captureOutput } from './support/captured-output.ts';
import { startEventBridgeStandIn } from './support/eventbridge-stand-in.ts';
import { lambdaContext } from './support/events.ts';
import { FAST_RETRY, FINGERPRINT_KEY, fingerprint } from './support/fake-config.ts';
import {
  type SecretsManagerStandIn,
  type StoredSecret,
  secretArn,
  startSecretsManagerStandIn,
} from './support/secrets-manager-stand-in.ts';

const [ZONE = '', OTHER_ZONE = ''] = DEMO_ZONES;
const SECRET_NAME = `teo-key-rotator/zones/${ZONE}`;
const INITIAL_KEY = randomBytes(32).toString('base64');

let sm: SecretsManagerStandIn;
const SECRET_ID = secretArn(SECRET_NAME);
let secret: StoredSecret;

let emulator: TeoEmulator;
let output: CapturedOutput;
beforeAll(async () => {
  [emulator, sm] = await Promise.all([startDemoEmulator(), startSecretsManagerStandIn()]);
});
afterAll(async () => {
  await Promise.all([emulator.close(), sm.close()]);
});
beforeEach(() => {
  secret = sm.put(
    SECRET_NAME,
    JSON.stringify({ ZoneId: ZONE, SecretKey: INITIAL_KEY, Owner: 'platform-team' }),
  );
  secret.versions.clear();
  secret.versions.set('v-initial', {
    value: JSON.stringify({ ZoneId: ZONE, SecretKey: INITIAL_KEY, Owner: 'platform-team' }),
    stages: ['AWSCURRENT'],
  });
  secret.rotationEnabled = true;
  sm.calls.length = 0;
  output = captureOutput();
});
afterEach(() => {
  output.restore();
  emulator.clearFaults();
  emulator.calls.length = 0;
});

const smConfig = (zones = `${ZONE},${OTHER_ZONE}`) =>
  loadSecretsManagerConfig({
    TENCENTCLOUD_SECRET_ID: DEMO_TENCENT.secretId,
    TENCENTCLOUD_SECRET_KEY: DEMO_TENCENT.secretKey,
    ROTATOR_FINGERPRINT_KEY: FINGERPRINT_KEY,
    TEO_ENDPOINT: emulator.url,
    TEO_TIMEOUT_MS: '300',
    ROTATOR_SM_ZONES: zones,
  });

const handlerFor = (zones?: string) =>
  createSecretsManagerRotationHandler(smConfig(zones), {
    secrets: awsJsonClient('secretsmanager', { env: sm.env }),
    ledger: createInMemoryLedger(),
    retry: FAST_RETRY,
  });

const step = (handler: ReturnType<typeof handlerFor>, Step: string, token: string) =>
  handler({ Step, SecretId: SECRET_ID, ClientRequestToken: token }, lambdaContext());

const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];
const commands = (operation: string) => sm.count(operation);
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
    expect(output.lines()[2]).toMatchObject({
      step: 'testSecret',
      zone: ZONE,
      keyFingerprint: fingerprint(key),
    });
    // No bus configured: nothing was announced, and no line says an announcement failed.
    expect(output.lines().map((line) => 'eventPublished' in line)).toEqual([false, false, false, false]);
    expect(output.text()).not.toContain(key);
    expect(output.text()).not.toContain(INITIAL_KEY);
  });

  it('records the rotation in the ledger as applied by Secrets Manager', async () => {
    const ledger = createInMemoryLedger();
    const handler = createSecretsManagerRotationHandler(smConfig(), {
      secrets: awsJsonClient('secretsmanager', { env: sm.env }),
      ledger,
      retry: FAST_RETRY,
    });
    const token = secret.startRotation();

    for (const name of STEPS) await step(handler, name, token);

    expect(await ledger.lastApplied(ZONE)).toMatchObject({
      by: 'secretsmanager',
      keyFingerprint: fingerprint(secret.valueOf('AWSCURRENT').SecretKey),
    });
  });

  it('reaches Secrets Manager through the standard endpoint variable when given no client', async () => {
    for (const [name, value] of Object.entries(sm.env)) vi.stubEnv(name, value);
    try {
      const handler = createSecretsManagerRotationHandler(smConfig(), {
        ledger: createInMemoryLedger(),
        retry: FAST_RETRY,
      });
      const token = secret.startRotation();

      for (const name of STEPS) await step(handler, name, token);

      expect(secret.versionWith('AWSCURRENT')?.[0]).toBe(token);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('a rotation with ROTATOR_EVENT_BUS set', () => {
  it('is announced on that bus, reached through the standard endpoint variable, and audited as Secrets Manager’s', async () => {
    const bus = await startEventBridgeStandIn();
    for (const [name, value] of Object.entries(bus.env)) vi.stubEnv(name, value);
    try {
      const handler = createSecretsManagerRotationHandler(
        loadSecretsManagerConfig({
          TENCENTCLOUD_SECRET_ID: DEMO_TENCENT.secretId,
          TENCENTCLOUD_SECRET_KEY: DEMO_TENCENT.secretKey,
          ROTATOR_FINGERPRINT_KEY: FINGERPRINT_KEY,
          TEO_ENDPOINT: emulator.url,
          ROTATOR_SM_ZONES: ZONE,
          ROTATOR_EVENT_BUS: 'rotations',
        }),
        {
          secrets: awsJsonClient('secretsmanager', { env: sm.env }),
          ledger: createInMemoryLedger(),
          retry: FAST_RETRY,
        },
      );
      const token = secret.startRotation();

      for (const name of STEPS) await step(handler, name, token);

      const key = secret.valueOf('AWSCURRENT').SecretKey;
      const setting = output.lines()[1];
      expect(setting).toMatchObject({
        step: 'setSecret',
        secret: SECRET_ID,
        caller: 'secretsmanager',
        authKind: 'lambda-invoke',
        zone: ZONE,
        keyFingerprint: fingerprint(key),
        teoRequestId: expect.any(String),
        eventPublished: true,
      });
      expect(
        bus.entries.map(({ EventBusName, Source, DetailType }) => [EventBusName, Source, DetailType]),
      ).toEqual([['rotations', 'teo-key-rotator', 'Gateway Key Rotated']]);
      expect(JSON.parse(bus.entries[0]?.Detail ?? '')).toMatchObject({
        ZoneId: ZONE,
        KeyFingerprint: fingerprint(key),
        RequestId: setting?.teoRequestId,
        Caller: 'secretsmanager',
        Trigger: 'secretsmanager-rotation',
      });
      // The other steps changed no key: they announce nothing.
      expect(output.lines().map((line) => line.eventPublished)).toEqual([
        undefined,
        true,
        undefined,
        undefined,
      ]);
    } finally {
      vi.unstubAllEnvs();
      await bus.close();
    }
  });
});

describe('createSecret', () => {
  it('stages the new version AWSPENDING only: AWSCURRENT keeps the live key until finishSecret', async () => {
    const token = secret.startRotation();

    await step(handlerFor(), 'createSecret', token);

    expect(secret.versionWith('AWSCURRENT')?.[0]).toBe('v-initial');
    expect(secret.versionWith('AWSPENDING')?.[0]).toBe(token);
    expect(secret.valueOf('AWSPENDING').SecretKey).not.toBe(INITIAL_KEY);
  });

  it('fails, and puts nothing, when looking for the pending version fails for another reason than its absence', async () => {
    const token = secret.startRotation();
    sm.failCall('GetSecretValue', { VersionId: token }, 'DecryptionFailure');

    await expect(step(handlerFor(), 'createSecret', token)).rejects.toMatchObject({
      code: 'DecryptionFailure',
    });
    expect(commands('PutSecretValue')).toBe(0);
  });
});

describe('each step repeated with the same token', () => {
  it('createSecret makes the pending version once', async () => {
    const handler = handlerFor();
    const token = secret.startRotation();

    await step(handler, 'createSecret', token);
    const pending = secret.valueOf('AWSPENDING');
    await step(handler, 'createSecret', token);

    expect(commands('PutSecretValue')).toBe(1);
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

    expect(commands('UpdateSecretVersionStage')).toBe(1);
    expect(commands('PutSecretValue')).toBe(1);
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
    expect(commands('PutSecretValue')).toBe(0);
    expect(commands('UpdateSecretVersionStage')).toBe(0);
    expect(emulator.calls).toEqual([]);
  };

  it.each(STEPS)('%s, when rotation is not enabled for the secret', async (name) => {
    const token = secret.startRotation();
    secret.rotationEnabled = false;

    await expect(step(handlerFor(), name, token)).rejects.toMatchObject({
      name: 'SecretRotationRefused',
      message: 'Rotation is not enabled for this secret.',
    });
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

    await expect(step(handlerFor(), name, token)).rejects.toThrow(
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
        handlerFor()({ Step: name, SecretId: secretId, ClientRequestToken: token }, lambdaContext()),
      ).rejects.toThrow(
        "The secret's name is not teo-key-rotator/zones/<ZoneId>: this function rotates only secrets named for their zone.",
      );
    }
    expect(sm.calls).toHaveLength(0);
    unchanged();
  });

  it.each(STEPS)('%s, when the secret has no version at all', async (name) => {
    const token = secret.startRotation();
    secret.versions.clear();

    await expect(step(handlerFor(), name, token)).rejects.toThrow(
      'The ClientRequestToken is not a version of this secret.',
    );
    unchanged();
  });

  // Each would reach the field checks as something other than an object, whose messages would then mislead.
  const NOT_AN_OBJECT = [
    ['not JSON', `{"ZoneId":"${ZONE}","SecretKey":"${INITIAL_KEY}"`],
    ['a JSON string', JSON.stringify(INITIAL_KEY)],
    ['a JSON array', JSON.stringify([ZONE, INITIAL_KEY])],
    ['JSON null', 'null'],
    ['a JSON number', '42'],
  ];

  it.each(NOT_AN_OBJECT)(
    'createSecret, when the current value is %s; nothing of it is quoted',
    async (_, value) => {
      secret.versions.set('v-initial', { value, stages: ['AWSCURRENT'] });
      const token = secret.startRotation();

      const failure = await step(handlerFor(), 'createSecret', token).catch((error: Error) => error);

      expect(failure).toMatchObject({
        message: 'The secret is not a JSON object with ZoneId (and SecretKey).',
      });
      expect(output.text()).not.toContain(INITIAL_KEY);
      unchanged();
    },
  );

  it.each(NOT_AN_OBJECT)(
    'setSecret, when the pending value is %s; nothing of it is quoted',
    async (_, value) => {
      const token = secret.startRotation();
      secret.versions.set(token, { value, stages: ['AWSPENDING'] });

      const failure = await step(handlerFor(), 'setSecret', token).catch((error: Error) => error);

      expect(failure).toMatchObject({
        message: 'The secret is not a JSON object with ZoneId (and SecretKey).',
      });
      expect(output.text()).not.toContain(INITIAL_KEY);
      unchanged();
    },
  );

  it('createSecret, when the current secret has no ZoneId', async () => {
    secret.versions.set('v-initial', {
      value: JSON.stringify({ SecretKey: INITIAL_KEY }),
      stages: ['AWSCURRENT'],
    });

    await expect(step(handlerFor(), 'createSecret', secret.startRotation())).rejects.toMatchObject({
      message: "The current secret's ZoneId is required.",
    });
    unchanged();
  });

  it.each(['setSecret', 'testSecret'])('%s, when the pending secret has no SecretKey', async (name) => {
    const token = secret.startRotation();
    secret.versions.set(token, { value: JSON.stringify({ ZoneId: ZONE }), stages: ['AWSPENDING'] });

    await expect(step(handlerFor(), name, token)).rejects.toMatchObject({
      message: "The pending secret's ZoneId and SecretKey are required.",
    });
    unchanged();
  });

  it('createSecret, when the current secret has no valid ZoneId', async () => {
    secret.versions.set('v-initial', {
      value: JSON.stringify({ ZoneId: 'not-a-zone', SecretKey: INITIAL_KEY }),
      stages: ['AWSCURRENT'],
    });
    const token = secret.startRotation();

    await expect(step(handlerFor(), 'createSecret', token)).rejects.toThrow(
      /^The current secret's ZoneId must be/,
    );
    unchanged();
  });

  it('an event that is not a rotation step', async () => {
    const handler = handlerFor();

    await expect(
      handler({ Step: 'deleteSecret', SecretId: SECRET_ID, ClientRequestToken: 't' }, lambdaContext()),
    ).rejects.toThrow('The event is not a Secrets Manager rotation step');
    expect(sm.calls).toHaveLength(0);
  });

  it.each([
    ['null', null],
    ['an array', []],
    ['a string', 'createSecret'],
    ['a step without a token', { Step: 'createSecret', SecretId: SECRET_ID }],
    ['a step without a secret', { Step: 'createSecret', ClientRequestToken: 't' }],
    ['a step whose secret is no text', { Step: 'createSecret', SecretId: 7, ClientRequestToken: 't' }],
  ])('an event that is %s: refused with InvalidEvent, not failed, and no ERROR line', async (_, event) => {
    await expect(handlerFor()(event, lambdaContext())).rejects.toMatchObject({ code: 'InvalidEvent' });

    expect(sm.calls).toHaveLength(0);
    expect(output.lines()).toEqual([expect.objectContaining({ level: 'INFO', outcome: 'refused' })]);
    unchanged();
  });

  it('every step, when the configuration is invalid', async () => {
    const handler = createSecretsManagerRotationHandler(
      loadSecretsManagerConfig({ ROTATOR_SM_ZONES: 'zone-a' }),
      { secrets: awsJsonClient('secretsmanager', { env: sm.env }) },
    );

    await expect(step(handler, 'createSecret', secret.startRotation())).rejects.toThrow(
      'The function is misconfigured.',
    );
    expect(output.lines()[0]?.errorDetail).toEqual([
      'TENCENTCLOUD_SECRET_ID is not set',
      'TENCENTCLOUD_SECRET_KEY is not set',
      expect.stringMatching(/^ROTATOR_FINGERPRINT_KEY must be at least 32 random characters/),
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
    expect(output.lines().at(-1)).toMatchObject({ level: 'ERROR', step: 'setSecret', outcome: 'failed' });
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
