// The Tencent key's own rotation (lib/handlers/tencent-key-rotation/): Secrets Manager's four steps on a function's
// secret, against the Secrets Manager stand-in, the CAM stand-in (two keys a user) and the TEO emulator sharing its
// key table, so that a key CAM makes signs TEO calls at once and one it deactivates is refused.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { parseTeoEndpoint, type TeoEndpoint } from '#lib/adapters/teo/endpoint.ts';
import { createTencentCloudGateway } from '#lib/adapters/teo/tencent-cloud-gateway.ts';
import {
  createTencentKeyRotationHandler,
  loadKeyRotationConfig,
} from '#lib/handlers/tencent-key-rotation/handler.ts';
import { type CamStandIn, startCamStandIn } from '../emulator/cam.ts';
import { startTeoEmulator, type TeoEmulator } from '../emulator/teo-emulator.ts';
import { type CapturedOutput, captureOutput } from './support/captured-output.ts';
import { lambdaContext } from './support/events.ts';
import { OLD_KEY, TENCENT_SECRET_ID, TENCENT_SECRET_KEY, ZONE } from './support/fake-config.ts';
import { startRecordingServer } from './support/recording-server.ts';
import {
  type SecretsManagerStandIn,
  startSecretsManagerStandIn,
} from './support/secrets-manager-stand-in.ts';

const SECRET = 'teo-key-rotator/dev';
const CALLERS = '[{"name":"ops","zones":["*"],"tokenSha256":["00"]}]';
const teoKeys: Record<string, string> = {};
let teo: TeoEmulator;
let cam: CamStandIn;
let sm: SecretsManagerStandIn;
let output: CapturedOutput;

beforeAll(async () => {
  [teo, sm] = await Promise.all([
    startTeoEmulator({ credentials: teoKeys, zones: { [ZONE]: OLD_KEY } }),
    startSecretsManagerStandIn(),
  ]);
});
afterAll(async () => {
  await Promise.all([teo.close(), sm.close(), cam?.close()]);
});
beforeEach(async () => {
  await cam?.close();
  for (const id of Object.keys(teoKeys)) delete teoKeys[id];
  cam = await startCamStandIn({ teoKeys, user: { [TENCENT_SECRET_ID]: TENCENT_SECRET_KEY } });
  sm.put(
    SECRET,
    JSON.stringify({
      TENCENTCLOUD_SECRET_ID: TENCENT_SECRET_ID,
      TENCENTCLOUD_SECRET_KEY: TENCENT_SECRET_KEY,
      ROTATOR_CLIENTS: CALLERS,
    }),
  );
  output = captureOutput();
});
afterEach(() => output.restore());

const handler = (env: Record<string, string> = {}) =>
  createTencentKeyRotationHandler(
    loadKeyRotationConfig({
      TEO_ENDPOINT: teo.url,
      TENCENT_CAM_ENDPOINT: cam.url,
      ROTATOR_KEY_TEST_ZONE: ZONE,
      ...env,
    }),
    { secrets: awsJsonClient('secretsmanager', { env: sm.env }) },
  );
const step = (Step: string, token: string, run = handler()) =>
  run({ Step, SecretId: sm.arnOf(SECRET), ClientRequestToken: token }, lambdaContext());
const rotateFully = async (run = handler()) => {
  const token = sm.secret(SECRET).startRotation();
  for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'])
    await step(name, token, run);
  return token;
};
const describeWith = (secretId: string, secretKey: string) =>
  createTencentCloudGateway(
    {
      endpoint: parseTeoEndpoint(teo.url) as TeoEndpoint,
      timeoutMs: 2000,
      credentials: { secretId, secretKey },
    },
    { now: Date.now },
  ).describeSecretKey(ZONE, Date.now() + 2000);

describe("the Tencent key's own rotation", () => {
  it('replaces the pair in the secret with a new key of the same user, keeps the other fields, and deactivates the old key', async () => {
    await rotateFully();

    const current = sm.secret(SECRET).valueOf('AWSCURRENT');
    expect(current.ROTATOR_CLIENTS).toBe(CALLERS);
    expect(current.TENCENTCLOUD_SECRET_ID).not.toBe(TENCENT_SECRET_ID);
    expect(cam.keys()).toEqual([
      { accessKeyId: TENCENT_SECRET_ID, status: 'Inactive', description: '' },
      {
        accessKeyId: current.TENCENTCLOUD_SECRET_ID,
        status: 'Active',
        description: expect.stringMatching(/^teo-key-rotator /),
      },
    ]);
    await expect(
      describeWith(current.TENCENTCLOUD_SECRET_ID, current.TENCENTCLOUD_SECRET_KEY),
    ).resolves.toMatchObject({
      secretKey: OLD_KEY,
    });
    await expect(describeWith(TENCENT_SECRET_ID, TENCENT_SECRET_KEY)).rejects.toMatchObject({
      code: 'AuthFailure.SecretIdNotFound',
    });
    expect(output.lines().map(({ step: name, outcome }) => [name, outcome])).toEqual([
      ['createSecret', 'completed'],
      ['setSecret', 'completed'],
      ['testSecret', 'completed'],
      ['finishSecret', 'rotated'],
    ]);
    // Neither pair is on any line.
    for (const secret of [TENCENT_SECRET_KEY, current.TENCENTCLOUD_SECRET_KEY])
      expect(output.text()).not.toContain(secret);
  });

  it('deletes the pair it deactivated at the next rotation, within CAM’s two keys a user', async () => {
    await rotateFully();
    const second = sm.secret(SECRET).valueOf('AWSCURRENT').TENCENTCLOUD_SECRET_ID;
    await rotateFully();

    const third = sm.secret(SECRET).valueOf('AWSCURRENT').TENCENTCLOUD_SECRET_ID;
    expect(cam.keys().map(({ accessKeyId, status }) => [accessKeyId, status])).toEqual([
      [second, 'Inactive'],
      [third, 'Active'],
    ]);
  });

  it('does each step once, however often Secrets Manager invokes it', async () => {
    const token = sm.secret(SECRET).startRotation();
    for (const name of [
      'createSecret',
      'createSecret',
      'setSecret',
      'testSecret',
      'finishSecret',
      'finishSecret',
    ]) {
      await step(name, token);
    }

    expect(cam.calls.filter((action) => action === 'CreateAccessKey')).toHaveLength(1);
    expect(cam.keys().map(({ status }) => status)).toEqual(['Inactive', 'Active']);
    expect(output.lines().at(-1)).toMatchObject({
      step: 'finishSecret',
      outcome: 'completed',
      alreadyCurrent: true,
    });
  });

  it('deletes a key it made and lost (its secret was never stored), and makes another', async () => {
    const token = sm.secret(SECRET).startRotation();
    sm.failCall('PutSecretValue', { ClientRequestToken: token }, 'InternalServiceError');
    sm.failCall('PutSecretValue', { ClientRequestToken: token }, 'InternalServiceError');
    sm.failCall('PutSecretValue', { ClientRequestToken: token }, 'InternalServiceError');

    await expect(step('createSecret', token)).rejects.toMatchObject({ code: 'InternalServiceError' });
    await step('createSecret', token);

    const pending = sm.secret(SECRET).valueOf('AWSPENDING');
    expect(cam.keys().map(({ accessKeyId }) => accessKeyId)).toEqual([
      TENCENT_SECRET_ID,
      pending.TENCENTCLOUD_SECRET_ID,
    ]);
    expect(cam.calls.filter((action) => action === 'DeleteAccessKey')).toHaveLength(1);
  });

  it('refuses, making nothing, when the user has another Active key it did not make', async () => {
    await cam.close();
    cam = await startCamStandIn({
      teoKeys,
      user: {
        [TENCENT_SECRET_ID]: TENCENT_SECRET_KEY,
        AKIDSOMEONEELSESKEY0000000000000000: 'another-secret-key-of-the-user',
      },
    });
    const token = sm.secret(SECRET).startRotation();

    await expect(step('createSecret', token)).rejects.toMatchObject({
      name: 'SecretRotationRefused',
      message:
        'The user has another Active key the rotation did not make: deactivate or delete it by hand (CAM allows two), then rotate again.',
    });
    expect(cam.calls).toEqual(['ListAccessKeys']);
  });

  it('fails testSecret, leaving AWSCURRENT as it was, when TEO refuses the new pair', async () => {
    const token = sm.secret(SECRET).startRotation();
    await step('createSecret', token);
    // The new key, disabled by hand before the test.
    const pending = sm.secret(SECRET).valueOf('AWSPENDING');
    delete teoKeys[pending.TENCENTCLOUD_SECRET_ID];

    await expect(step('testSecret', token)).rejects.toMatchObject({ code: 'AuthFailure.SecretIdNotFound' });
    expect(sm.secret(SECRET).valueOf('AWSCURRENT').TENCENTCLOUD_SECRET_ID).toBe(TENCENT_SECRET_ID);
    expect(output.lines().at(-1)).toMatchObject({ level: 'ERROR', step: 'testSecret', outcome: 'failed' });
  });

  it('deactivates the old key when a finish repeated after a crash finds AWSCURRENT already moved', async () => {
    const token = sm.secret(SECRET).startRotation();
    for (const name of ['createSecret', 'setSecret', 'testSecret']) await step(name, token);
    // The stage moved, then the invocation ended before the old key was made Inactive.
    sm.secret(SECRET).makeCurrent(token);

    await step('finishSecret', token);

    expect(cam.keys().map(({ accessKeyId, status }) => [accessKeyId, status])).toEqual([
      [TENCENT_SECRET_ID, 'Inactive'],
      [sm.secret(SECRET).valueOf('AWSCURRENT').TENCENTCLOUD_SECRET_ID, 'Active'],
    ]);
    expect(output.lines().at(-1)).toMatchObject({
      outcome: 'completed',
      alreadyCurrent: true,
      oldKeyDeactivated: true,
    });
  });

  it('does nothing for a step of a rotation that finished, and nothing at all for setSecret', async () => {
    const token = await rotateFully();
    const calls = cam.calls.length;
    output.restore();
    output = captureOutput();

    await step('createSecret', token);
    await step('testSecret', token);
    await step('setSecret', sm.secret(SECRET).startRotation());

    expect(cam.calls).toHaveLength(calls);
    expect(output.lines().map(({ step: name, alreadyCurrent }) => [name, alreadyCurrent])).toEqual([
      ['createSecret', true],
      ['testSecret', true],
      ['setSecret', undefined],
    ]);
  });

  it('says on its line how many keys createSecret deleted', async () => {
    await rotateFully();
    output.restore();
    output = captureOutput();
    const token = sm.secret(SECRET).startRotation();

    await step('createSecret', token);

    expect(output.lines()[0]).toMatchObject({
      operation: 'tencent-key-rotation',
      step: 'createSecret',
      secret: sm.arnOf(SECRET),
      deletedKeys: 1,
    });
  });

  it('fails createSecret, making nothing, when the pending version cannot be read for another reason than its absence', async () => {
    const token = sm.secret(SECRET).startRotation();
    sm.failCall('GetSecretValue', { VersionId: token }, 'DecryptionFailure');

    await expect(step('createSecret', token)).rejects.toMatchObject({ code: 'DecryptionFailure' });
    expect(cam.calls).toEqual([]);
  });

  it.each([
    ['not JSON', 'TENCENTCLOUD_SECRET_ID=x', 'The secret is not a JSON object.'],
    [
      'without the key pair',
      JSON.stringify({ ROTATOR_CLIENTS: CALLERS }),
      'The current secret holds no TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY to rotate.',
    ],
    [
      'with a key that is not text',
      JSON.stringify({ TENCENTCLOUD_SECRET_ID: TENCENT_SECRET_ID, TENCENTCLOUD_SECRET_KEY: 7 }),
      'The current secret holds no TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY to rotate.',
    ],
    [
      'with an id that is not text',
      JSON.stringify({ TENCENTCLOUD_SECRET_ID: 7, TENCENTCLOUD_SECRET_KEY: TENCENT_SECRET_KEY }),
      'The current secret holds no TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY to rotate.',
    ],
    [
      'with an empty id',
      JSON.stringify({ TENCENTCLOUD_SECRET_ID: '', TENCENTCLOUD_SECRET_KEY: TENCENT_SECRET_KEY }),
      'The current secret holds no TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY to rotate.',
    ],
    [
      'with an empty key',
      JSON.stringify({ TENCENTCLOUD_SECRET_ID: TENCENT_SECRET_ID, TENCENTCLOUD_SECRET_KEY: '' }),
      'The current secret holds no TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY to rotate.',
    ],
  ])('refuses a current secret %s, making nothing', async (_, value, message) => {
    sm.put(SECRET, value);
    const token = sm.secret(SECRET).startRotation();

    await expect(step('createSecret', token)).rejects.toMatchObject({
      name: 'SecretRotationRefused',
      message,
    });
    expect(cam.calls).toEqual([]);
  });

  it('names the pending secret when it holds no pair to test', async () => {
    const token = sm.secret(SECRET).startRotation();
    sm.secret(SECRET).versions.set(token, { value: '{}', stages: ['AWSPENDING'] });

    await expect(step('testSecret', token)).rejects.toMatchObject({
      message: 'The pending secret holds no TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY to rotate.',
    });
  });

  it('refuses an event that is no rotation step, as refused, not failed, its fields on the line bounded', async () => {
    await expect(handler()({ Step: 'dropTable' }, lambdaContext())).rejects.toMatchObject({
      name: 'InvalidRequest',
    });
    await expect(
      handler()({ Step: 'x'.repeat(40), SecretId: 'y'.repeat(300) }, lambdaContext()),
    ).rejects.toThrow();
    await expect(handler()({ Step: 5, SecretId: 6 }, lambdaContext())).rejects.toThrow();

    expect(output.lines()[0]).toMatchObject({ level: 'INFO', outcome: 'refused', step: 'dropTable' });
    expect(output.lines()[1]).toMatchObject({ step: 'x'.repeat(32), secret: 'y'.repeat(256) });
    expect(output.lines()[2]).not.toHaveProperty('step');
    expect(output.lines()[2]).not.toHaveProperty('secret');
  });

  it('fails the step before Lambda ends it when Secrets Manager does not answer, and its line says why', async () => {
    // A Secrets Manager endpoint that takes requests and never answers.
    const silent = await startRecordingServer(() => undefined);
    const run = createTencentKeyRotationHandler(
      loadKeyRotationConfig({
        TEO_ENDPOINT: teo.url,
        TENCENT_CAM_ENDPOINT: cam.url,
        ROTATOR_KEY_TEST_ZONE: ZONE,
      }),
      {
        secrets: awsJsonClient('secretsmanager', {
          env: { ...sm.env, AWS_ENDPOINT_URL_SECRETS_MANAGER: silent.base },
        }),
      },
    );
    try {
      // Lambda would end it 50 ms after the 500 ms every function keeps for answering.
      await expect(
        run(
          { Step: 'createSecret', SecretId: sm.arnOf(SECRET), ClientRequestToken: 't' },
          lambdaContext(550),
        ),
      ).rejects.toMatchObject({ name: 'DeadlineExceeded' });

      expect(output.lines()).toEqual([
        expect.objectContaining({
          level: 'ERROR',
          operation: 'tencent-key-rotation',
          step: 'createSecret',
          outcome: 'failed',
          errorDetail: 'DeadlineExceeded: The Lambda is about to time out.',
        }),
      ]);
    } finally {
      await silent.close();
    }
  });

  it('never deactivates the key it moves AWSCURRENT to, when the pending version holds the current pair', async () => {
    const token = sm.secret(SECRET).startRotation();
    // A pending version put by hand, the same pair as the current one.
    const current = JSON.stringify(sm.secret(SECRET).valueOf('AWSCURRENT'));
    sm.secret(SECRET).versions.set(token, { value: current, stages: ['AWSPENDING'] });

    await step('finishSecret', token);

    expect(cam.keys()).toEqual([{ accessKeyId: TENCENT_SECRET_ID, status: 'Active', description: '' }]);
  });

  it.each([
    ['TENCENT_CAM_ENDPOINT', 'not a url', 'TENCENT_CAM_ENDPOINT is not a URL'],
    [
      'TENCENT_CAM_ENDPOINT',
      'http://cam.tencentcloudapi.com',
      'TENCENT_CAM_ENDPOINT must be https://cam.<...>.tencentcloudapi.com or an http:// loopback URL',
    ],
    [
      'TENCENT_CAM_ENDPOINT',
      'https://xcam.tencentcloudapi.com',
      'TENCENT_CAM_ENDPOINT must be https://cam.<...>.tencentcloudapi.com or an http:// loopback URL',
    ],
    [
      'TENCENT_CAM_ENDPOINT',
      'https://127.0.0.1:9001',
      'TENCENT_CAM_ENDPOINT must be https://cam.<...>.tencentcloudapi.com or an http:// loopback URL',
    ],
    [
      'TENCENT_CAM_ENDPOINT',
      'https://cam.tencentcloudapi.com.evil.example',
      'TENCENT_CAM_ENDPOINT must be https://cam.<...>.tencentcloudapi.com or an http:// loopback URL',
    ],
    ['TEO_ENDPOINT', 'https://example.com', 'TEO_ENDPOINT must be'],
  ])('refuses %s %s, naming it', (name, value, problem) => {
    const loaded = loadKeyRotationConfig({ ROTATOR_KEY_TEST_ZONE: ZONE, [name]: value });

    expect(loaded.ok ? [] : loaded.problems).toEqual([expect.stringContaining(problem)]);
  });

  it("takes Tencent's CAM, and dials a loopback one as it", () => {
    const real = loadKeyRotationConfig({ ROTATOR_KEY_TEST_ZONE: ZONE });
    const intl = loadKeyRotationConfig({
      ROTATOR_KEY_TEST_ZONE: ZONE,
      TENCENT_CAM_ENDPOINT: 'https://cam.intl.tencentcloudapi.com',
    });
    const local = loadKeyRotationConfig({
      ROTATOR_KEY_TEST_ZONE: ZONE,
      TENCENT_CAM_ENDPOINT: 'http://localhost:9001',
    });

    expect([real, intl, local].map((loaded) => loaded.ok && loaded.config.cam)).toEqual([
      { protocol: 'https:', host: 'cam.tencentcloudapi.com' },
      { protocol: 'https:', host: 'cam.intl.tencentcloudapi.com' },
      { protocol: 'http:', host: 'cam.tencentcloudapi.com:9001', dialAddress: '127.0.0.1' },
    ]);
    expect(real.ok && real.config.teo).toEqual({ protocol: 'https:', host: 'teo.intl.tencentcloudapi.com' });
    const portless = loadKeyRotationConfig({
      ROTATOR_KEY_TEST_ZONE: ZONE,
      TENCENT_CAM_ENDPOINT: 'http://127.0.0.1',
    });
    expect(portless.ok && portless.config.cam).toMatchObject({ host: 'cam.tencentcloudapi.com:80' });
  });

  it('fails every step closed, naming the variable, without a test zone', async () => {
    const token = sm.secret(SECRET).startRotation();

    await expect(step('createSecret', token, handler({ ROTATOR_KEY_TEST_ZONE: '' }))).rejects.toMatchObject({
      name: 'ConfigurationInvalid',
    });
    expect(output.text()).toContain('ROTATOR_KEY_TEST_ZONE must be the id of a zone the key may Describe');
    expect(cam.calls).toEqual([]);
  });
});
