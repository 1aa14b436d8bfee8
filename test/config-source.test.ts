// Deployed, the secrets live in the Secrets Manager secret ROTATOR_SECRET_ID names, not in the Lambda's
// configuration: read at the first request through the light client, again after the TTL, and at once when TEO
// says the credentials were rotated away. Through the handler, against a Secrets Manager stand-in and the emulator.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AwsJsonClient, awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { configSource, type FunctionConfig } from '#lib/handlers/config/config-source.ts';
import { rotatorConfig } from '#lib/handlers/config/rotator-config.ts';
import { secretsManagerConfig } from '#lib/handlers/config/secrets-manager-config.ts';
import { syncConfig } from '#lib/handlers/config/sync-config.ts';
import { startTeoEmulator, type TeoEmulator } from '../emulator/teo-emulator.ts';
import { type CapturedOutput, captureOutput } from './support/captured-output.ts';
import { lambdaContext, rotateEvent } from './support/events.ts';
import {
  FAST_RETRY,
  FINGERPRINT_KEY,
  fingerprint,
  KEY,
  OLD_KEY,
  sha256Hex,
  ZONE,
} from './support/fake-config.ts';
import { createDocumentedHandler } from './support/openapi.ts';
import {
  type SecretsManagerStandIn,
  startSecretsManagerStandIn,
} from './support/secrets-manager-stand-in.ts';

const OLD = { id: 'AKIDOLDFAKEEXAMPLE000000000000000000', key: 'OldFakeTencentSecretKeyForTests000' };
const NEW = { id: 'AKIDNEWFAKEEXAMPLE000000000000000000', key: 'NewFakeTencentSecretKeyForTests000' };
const TOKEN = 'test-token-from-the-secret-0001';
const NEXT_TOKEN = 'test-token-from-the-secret-0002';
const SECRET_NAME = 'teo-key-rotator/test';
/** The deployment's fingerprint key: a plain-text secret of its own, as the template generates it. */
const FINGERPRINT_SECRET_NAME = 'teo-key-rotator/test/fingerprint-key';

const secretWith = (credentials: { id: string; key: string }, token: string) =>
  JSON.stringify({
    TENCENTCLOUD_SECRET_ID: credentials.id,
    TENCENTCLOUD_SECRET_KEY: credentials.key,
    ROTATOR_CLIENTS: JSON.stringify([{ name: 'ops', zones: ['*'], tokenSha256: [sha256Hex(token)] }]),
  });

let sm: SecretsManagerStandIn;
let teo: TeoEmulator;
let output: CapturedOutput;
let clock: number;
beforeAll(async () => {
  sm = await startSecretsManagerStandIn();
  // TEO knows only the new credentials: the old ones were rotated away.
  teo = await startTeoEmulator({
    credentials: { [NEW.id]: NEW.key },
    zones: { [ZONE]: OLD_KEY },
  });
});
afterAll(async () => {
  await Promise.all([sm.close(), teo.close()]);
});
beforeEach(() => {
  sm.put(FINGERPRINT_SECRET_NAME, FINGERPRINT_KEY);
  clock = 1_800_000_000_000;
  sm.calls.length = 0;
  teo.calls.length = 0;
  output = captureOutput();
});
afterEach(() => output.restore());

/** The deployed environment: where the secret is, and nothing secret. */
const deployedEnv = () => ({
  ...sm.env,
  ROTATOR_SECRET_ID: sm.arnOf(SECRET_NAME),
  ROTATOR_FINGERPRINT_SECRET_ID: sm.arnOf(FINGERPRINT_SECRET_NAME),
  TEO_ENDPOINT: teo.url,
});

const handlerFor = (env: Record<string, string | undefined> = deployedEnv()) =>
  createDocumentedHandler(configSource(env, rotatorConfig, { now: () => clock }), { retry: FAST_RETRY });

const rotate = async (handler: ReturnType<typeof handlerFor>, token: string) => {
  const key = randomBytes(32).toString('base64');
  const body = JSON.stringify({ ZoneId: ZONE, SecretKey: key });
  const response = await handler(
    rotateEvent('http-api-v2', { body, headers: { authorization: `Bearer ${token}` } }),
    lambdaContext(),
  );
  return { status: response.statusCode, json: JSON.parse(response.body), key };
};

// As the README promises: a read serves for 5 minutes, and TEO refusing the credentials re-reads the secret at most
// every 10 seconds.
const SECRET_TTL_MS = 5 * 60 * 1000;
const MIN_REREAD_MS = 10 * 1000;

/** Reads of the function's own secret (the fingerprint key's is read once per instance, as its tests show). */
const reads = () => sm.calls.filter((call) => call.secretId === sm.arnOf(SECRET_NAME)).length;

describe('a function configured by ROTATOR_SECRET_ID', () => {
  it('reads the secret once for many requests, and rotates with what it holds', async () => {
    sm.put(SECRET_NAME, secretWith(NEW, TOKEN));
    const handler = handlerFor();

    const first = await rotate(handler, TOKEN);
    const second = await rotate(handler, TOKEN);

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(teo.zoneKey(ZONE)).toBe(second.key);
    expect(sm.calls).toEqual([
      { operation: 'GetSecretValue', secretId: sm.arnOf(SECRET_NAME) },
      { operation: 'GetSecretValue', secretId: sm.arnOf(FINGERPRINT_SECRET_NAME) },
    ]);
    expect(first.json.KeyFingerprint).toBe(fingerprint(first.key));
  });

  it('reads the fingerprint key once per instance: a re-read after the TTL reads only the function’s secret', async () => {
    sm.put(SECRET_NAME, secretWith(NEW, TOKEN));
    const handler = handlerFor();
    await rotate(handler, TOKEN);
    clock += 5 * 60 * 1000;

    const later = await rotate(handler, TOKEN);

    expect(later.json.KeyFingerprint).toBe(fingerprint(later.key));
    expect(sm.calls.map((call) => call.secretId)).toEqual([
      sm.arnOf(SECRET_NAME),
      sm.arnOf(FINGERPRINT_SECRET_NAME),
      sm.arnOf(SECRET_NAME),
    ]);
  });

  it('fails closed while the fingerprint key cannot be read, naming its variable, and reads it again later', async () => {
    sm.put(SECRET_NAME, secretWith(NEW, TOKEN));
    const notYet = 'teo-key-rotator/test/fingerprint-key-not-yet-created';
    const handler = handlerFor({ ...deployedEnv(), ROTATOR_FINGERPRINT_SECRET_ID: sm.arnOf(notYet) });

    const refused = await rotate(handler, TOKEN);
    sm.put(notYet, FINGERPRINT_KEY);
    clock += 10_000;
    const rotated = await rotate(handler, TOKEN);

    expect([refused.status, refused.json.Error.Code]).toEqual([500, 'FunctionMisconfigured']);
    expect(output.lines().find((line) => line.status === 500)?.errorDetail).toEqual([
      'ROTATOR_FINGERPRINT_SECRET_ID: the secret could not be read (AWS answered ResourceNotFoundException (HTTP 400))',
    ]);
    expect([rotated.status, rotated.json.KeyFingerprint]).toEqual([200, fingerprint(rotated.key)]);
  });

  it.each([
    [
      'only the function’s secret (the fingerprint key a plain variable)',
      { ROTATOR_FINGERPRINT_SECRET_ID: undefined, ROTATOR_FINGERPRINT_KEY: FINGERPRINT_KEY },
      [SECRET_NAME],
    ],
    [
      'only the fingerprint key’s secret (the rest plain variables)',
      {
        ROTATOR_SECRET_ID: undefined,
        TENCENTCLOUD_SECRET_ID: NEW.id,
        TENCENTCLOUD_SECRET_KEY: NEW.key,
        ROTATOR_CLIENTS: JSON.parse(secretWith(NEW, TOKEN)).ROTATOR_CLIENTS,
      },
      [FINGERPRINT_SECRET_NAME],
    ],
  ])('reads the one secret named when %s', async (_, changes, read) => {
    sm.put(SECRET_NAME, secretWith(NEW, TOKEN));
    const env = { ...deployedEnv(), ...changes };

    const rotated = await rotate(handlerFor(env), TOKEN);

    expect([rotated.status, rotated.json.KeyFingerprint]).toEqual([200, fingerprint(rotated.key)]);
    expect(sm.calls.map((call) => call.secretId)).toEqual(read.map((name) => sm.arnOf(name)));
  });

  it('refuses a fingerprint secret that holds no text, saying so, and takes it once it does', async () => {
    let fingerprintSecret: Record<string, unknown> = { SecretBinary: 'AAAA' };
    const client: AwsJsonClient = {
      call: async (_operation, input) =>
        input.SecretId === 'fingerprint' ? fingerprintSecret : { SecretString: secretWith(NEW, TOKEN) },
    };
    const source = configSource(
      { ...deployedEnv(), ROTATOR_FINGERPRINT_SECRET_ID: 'fingerprint' },
      rotatorConfig,
      { client, now: () => clock },
    );

    const refused = await source.current();
    fingerprintSecret = { SecretString: FINGERPRINT_KEY };
    clock += 5 * 60 * 1000;
    const taken = await source.current();

    expect(refused).toEqual({
      ok: false,
      problems: [
        'ROTATOR_FINGERPRINT_SECRET_ID: the secret must hold its key as text (SecretString), as the template generates it',
      ],
    });
    expect(taken.ok && taken.config.fingerprint(KEY)).toBe(fingerprint(KEY));
  });

  it('refuses a fingerprint key too short to be one, naming the variable and never the value', async () => {
    sm.put(SECRET_NAME, secretWith(NEW, TOKEN));
    sm.put(FINGERPRINT_SECRET_NAME, 'short-fingerprint-key');

    const refused = await rotate(handlerFor(), TOKEN);

    expect([refused.status, teo.calls]).toEqual([500, []]);
    const logged = output.lines().find((line) => line.status === 500)?.errorDetail;
    expect(logged).toEqual([
      expect.stringMatching(/^ROTATOR_FINGERPRINT_KEY must be at least 32 random characters/),
    ]);
    expect(JSON.stringify(output.lines())).not.toContain('short-fingerprint-key');
  });

  it('picks up changed callers after the TTL, without a redeploy', async () => {
    sm.put(SECRET_NAME, secretWith(NEW, TOKEN));
    const handler = handlerFor();
    expect((await rotate(handler, TOKEN)).status).toBe(200);
    sm.put(SECRET_NAME, secretWith(NEW, NEXT_TOKEN));

    clock += SECRET_TTL_MS - 1;
    expect((await rotate(handler, NEXT_TOKEN)).status).toBe(401);
    clock += 1;
    expect((await rotate(handler, NEXT_TOKEN)).status).toBe(200);
    expect((await rotate(handler, TOKEN)).status).toBe(401);
    expect(reads()).toBe(2);
  });

  it('reads the secret again at once when TEO refuses credentials that were rotated away, and succeeds', async () => {
    sm.put(SECRET_NAME, secretWith(OLD, TOKEN));
    const handler = handlerFor();
    const refused = await rotate(handler, TOKEN);
    expect([refused.status, refused.json.Error.Code]).toEqual([502, 'AuthFailure.SecretIdNotFound']);
    sm.put(SECRET_NAME, secretWith(NEW, TOKEN));
    clock += MIN_REREAD_MS;

    const rotated = await rotate(handler, TOKEN);

    expect(rotated.status).toBe(200);
    expect(teo.zoneKey(ZONE)).toBe(rotated.key);
    expect(reads()).toBe(2);
    // The emulator records only calls whose signature it accepted: the one made with the new credentials.
    expect(teo.calls.map((call) => call.answer)).toEqual(['ok']);
  });

  it('reads the secret again when only the key was rotated, which TEO refuses as a bad signature', async () => {
    sm.put(SECRET_NAME, secretWith({ id: NEW.id, key: OLD.key }, TOKEN));
    const handler = handlerFor();
    const refused = await rotate(handler, TOKEN);
    expect([refused.status, refused.json.Error.Code]).toEqual([502, 'AuthFailure.SignatureFailure']);
    sm.put(SECRET_NAME, secretWith(NEW, TOKEN));
    clock += MIN_REREAD_MS;

    expect((await rotate(handler, TOKEN)).status).toBe(200);
    expect(reads()).toBe(2);
  });

  it('does not read the secret again when TEO refuses the request, not the credentials', async () => {
    sm.put(SECRET_NAME, secretWith(NEW, TOKEN));
    const handler = handlerFor();
    expect((await rotate(handler, TOKEN)).status).toBe(200);
    clock += MIN_REREAD_MS;
    const response = await handler(
      rotateEvent('http-api-v2', {
        body: JSON.stringify({ ZoneId: 'zone-nosuchzone', SecretKey: randomBytes(32).toString('base64') }),
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
      lambdaContext(),
    );

    expect(JSON.parse(response.body).Error.Code).toMatch(/^ResourceNotFound/);
    expect(reads()).toBe(1);
  });

  it('does not read the secret again and again while TEO keeps refusing', async () => {
    sm.put(SECRET_NAME, secretWith(OLD, TOKEN));
    const handler = handlerFor();

    for (let i = 0; i < 3; i += 1) expect((await rotate(handler, TOKEN)).status).toBe(502);
    clock += MIN_REREAD_MS - 1;
    expect((await rotate(handler, TOKEN)).status).toBe(502);
    expect(reads()).toBe(1);

    clock += 1;
    expect((await rotate(handler, TOKEN)).status).toBe(502);
    expect(reads()).toBe(2);
  });

  it('fails closed while the secret cannot be read, naming why, and reads it again 10 s later, not before', async () => {
    sm.put(SECRET_NAME, secretWith(NEW, TOKEN));
    sm.failNext('AccessDeniedException');
    const handler = handlerFor();

    const refused = await rotate(handler, TOKEN);
    // Junk traffic meanwhile does not become a Secrets Manager call per request.
    const meanwhile = await rotate(handler, TOKEN);
    const readsMeanwhile = reads();
    clock += 10_000;
    const rotated = await rotate(handler, TOKEN);

    expect([refused.status, refused.json.Error.Code]).toEqual([500, 'FunctionMisconfigured']);
    expect(output.lines().find((line) => line.status === 500)?.errorDetail).toEqual([
      'ROTATOR_SECRET_ID: the secret could not be read (AWS answered AccessDeniedException (HTTP 400))',
    ]);
    expect([meanwhile.status, readsMeanwhile]).toEqual([500, 1]);
    expect(rotated.status).toBe(200);
    expect(reads()).toBe(2);
  });

  it('fails closed, naming the network error, when Secrets Manager cannot be reached', async () => {
    const env = { ...deployedEnv(), AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:9' };
    const noWaiting = { now: Date.now, random: () => 0, sleep: async () => undefined };
    const handler = createDocumentedHandler(
      configSource(env, rotatorConfig, {
        client: awsJsonClient('secretsmanager', { env, clock: noWaiting }),
      }),
      { retry: FAST_RETRY },
    );

    const refused = await rotate(handler, TOKEN);

    expect(refused.status).toBe(500);
    expect(output.lines().find((line) => line.status === 500)?.errorDetail).toEqual([
      'ROTATOR_SECRET_ID: the secret could not be read (Error: connect ECONNREFUSED 127.0.0.1:9)',
      'ROTATOR_FINGERPRINT_SECRET_ID: the secret could not be read (Error: connect ECONNREFUSED 127.0.0.1:9)',
    ]);
  });

  it('keeps the configuration it had when a later read fails, and says so', async () => {
    sm.put(SECRET_NAME, secretWith(NEW, TOKEN));
    const handler = handlerFor();
    expect((await rotate(handler, TOKEN)).status).toBe(200);
    sm.failNext('AccessDeniedException');
    clock += SECRET_TTL_MS;

    expect((await rotate(handler, TOKEN)).status).toBe(200);
    expect(output.lines()).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message:
          'ROTATOR_SECRET_ID: the secret could not be read (AWS answered AccessDeniedException (HTTP 400)); the configuration read before stays in use',
      }),
    );
  });

  it.each([
    ['not JSON', 'TENCENTCLOUD_SECRET_KEY=x'],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
    ['a JSON string', '"TENCENTCLOUD_SECRET_KEY"'],
    ['a JSON number', '42'],
    [
      'a field that is not ours',
      JSON.stringify({ TENCENTCLOUD_SECRET_ID: NEW.id, Password: 'hunter2-secret' }),
    ],
    ['a value that is not a string', JSON.stringify({ TENCENTCLOUD_SECRET_ID: 12 })],
    // Least privilege: the rotate function's secret holds no manager token, which only sync uses.
    [
      'a field another function uses',
      JSON.stringify({ TENCENTCLOUD_SECRET_ID: NEW.id, DOPPLER_TOKEN: 'hunter2-dp' }),
    ],
  ])('fails closed on a secret that is %s, quoting none of it', async (_, value) => {
    sm.put(SECRET_NAME, value);

    const response = await rotate(handlerFor(), TOKEN);

    expect(response.status).toBe(500);
    expect(output.lines().find((line) => line.status === 500)?.errorDetail).toEqual([
      "ROTATOR_SECRET_ID: the secret must be a JSON object of strings, with fields among TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY, TENCENTCLOUD_SESSION_TOKEN, ROTATOR_CLIENTS: each function's secret holds only what that function uses",
    ]);
    expect(output.text()).not.toContain('hunter2');
    expect(output.text()).not.toContain('Password');
    expect(output.text()).not.toContain('DOPPLER_TOKEN');
  });

  it('fails closed on a secret that gives a field twice', async () => {
    sm.put(SECRET_NAME, `{"TENCENTCLOUD_SECRET_KEY":"${OLD.key}",${secretWith(NEW, TOKEN).slice(1)}`);

    expect((await rotate(handlerFor(), TOKEN)).status).toBe(500);
    expect(output.lines().find((line) => line.status === 500)?.errorDetail).toEqual([
      'ROTATOR_SECRET_ID: the secret gives a field twice: JSON would silently keep only the last',
    ]);
  });

  it('writes none of the secret’s values anywhere', async () => {
    sm.put(SECRET_NAME, secretWith(OLD, TOKEN));
    const handler = handlerFor();
    await rotate(handler, TOKEN);
    sm.put(SECRET_NAME, secretWith(NEW, TOKEN));
    clock += MIN_REREAD_MS;
    await rotate(handler, TOKEN);

    for (const value of [OLD.key, NEW.key, TOKEN, sha256Hex(TOKEN)])
      expect(output.text()).not.toContain(value);
  });

  it.each([
    [
      'sync',
      (): FunctionConfig<unknown> => syncConfig,
      {
        DOPPLER_TOKEN: 'dp.st.fake',
        DOPPLER_WEBHOOK_SECRET: 'w1',
        INFISICAL_CLIENT_ID: 'i',
        INFISICAL_CLIENT_SECRET: 's',
        INFISICAL_WEBHOOK_SECRET: 'w2',
      },
      { ROTATOR_SYNC_BINDINGS: '[]' },
    ],
    [
      'the Secrets Manager rotation',
      (): FunctionConfig<unknown> => secretsManagerConfig,
      {},
      { ROTATOR_SM_ZONES: ZONE },
    ],
  ])(
    "loads %s from a secret of its own fields, and refuses the HTTP function's callers in it",
    async (_, config, own, env) => {
      const fields = { TENCENTCLOUD_SECRET_ID: NEW.id, TENCENTCLOUD_SECRET_KEY: NEW.key, ...own };
      const load = async (secret: Record<string, string>) => {
        sm.put(SECRET_NAME, JSON.stringify(secret));
        return configSource({ ...deployedEnv(), ...env }, config(), { now: () => clock }).current();
      };

      const loaded = await load(fields);
      clock += SECRET_TTL_MS;
      const refused = await load({ ...fields, ROTATOR_CLIENTS: '[]' });

      expect(loaded).toMatchObject({ ok: true, config: { teo: { credentials: { secretId: NEW.id } } } });
      expect(refused).toMatchObject({
        ok: false,
        problems: [expect.stringContaining("each function's secret holds only what that function uses")],
      });
    },
  );

  it('needs no secret when run locally: the environment alone configures it', async () => {
    const env = {
      TENCENTCLOUD_SECRET_ID: NEW.id,
      TENCENTCLOUD_SECRET_KEY: NEW.key,
      TEO_ENDPOINT: teo.url,
      ROTATOR_FINGERPRINT_KEY: FINGERPRINT_KEY,
      ROTATOR_CLIENTS: JSON.parse(secretWith(NEW, TOKEN)).ROTATOR_CLIENTS,
    };

    expect((await rotate(handlerFor(env), TOKEN)).status).toBe(200);
    expect(sm.calls).toEqual([]);
  });
});
