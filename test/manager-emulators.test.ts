// The managers' stand-ins answer as the vendors publish (emulator/secrets-managers.ts and
// test/support/secrets-manager-stand-in.ts): their list and batch reads, each one's rate limit with the vendor's
// refusal (429 with Retry-After; Secrets Manager's ThrottlingException), and AWS's HTTP status per error.
import { afterEach, describe, expect, it } from 'vitest';
import { awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { startDopplerEmulator, startInfisicalEmulator } from '../emulator/secrets-managers.ts';
import { startSecretsManagerStandIn } from './support/secrets-manager-stand-in.ts';

let clock = 1_750_000_000_000;
const closing: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(closing.splice(0).map((emulator) => emulator.close()));
});

const get = async (url: string, token: string) => {
  const answer = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const json = (await answer.json()) as Record<string, unknown>;
  return { status: answer.status, retryAfter: answer.headers.get('retry-after'), json };
};

describe('the Doppler stand-in', () => {
  it("lists the config's secrets, only the named ones when asked", async () => {
    const doppler = await startDopplerEmulator('dp.st.fake');
    closing.push(doppler);
    doppler.set('p', 'prd', 'A', 'a');
    doppler.set('p', 'prd', 'B', 'b');
    doppler.set('p', 'stg', 'A', 'other');
    const list = (query: string) => get(`${doppler.url}/v3/configs/config/secrets?${query}`, 'dp.st.fake');

    expect((await list('project=p&config=prd')).json).toEqual({
      success: true,
      secrets: { A: { raw: 'a', computed: 'a', note: '' }, B: { raw: 'b', computed: 'b', note: '' } },
    });
    expect((await list('project=p&config=prd&secrets=B,C')).json.secrets).toEqual({
      B: { raw: 'b', computed: 'b', note: '' },
    });
    expect(await list('project=p&config=none')).toMatchObject({ status: 404 });
  });

  it('refuses a token over its limit a minute with 429 and the seconds until it may ask again', async () => {
    const doppler = await startDopplerEmulator('dp.st.fake', { perMinute: 2, now: () => clock });
    closing.push(doppler);
    doppler.set('p', 'c', 'A', 'a');
    const list = () => get(`${doppler.url}/v3/configs/config/secrets?project=p&config=c`, 'dp.st.fake');

    await list();
    clock += 20_000;
    await list();
    clock += 10_500;
    const refused = await list();
    clock += 29_500;
    const admitted = await list();

    expect(refused).toEqual({
      status: 429,
      retryAfter: '30',
      json: { messages: ['Too many requests'], success: false },
    });
    expect(admitted.status).toBe(200);
  });
});

describe('the Infisical stand-in', () => {
  it("lists a folder's secrets to a logged-in identity, and limits each token a minute", async () => {
    const infisical = await startInfisicalEmulator('id', 'secret', { perMinute: 1, now: () => clock });
    closing.push(infisical);
    infisical.set('proj', 'prod', '/teo', 'A', 'a');
    infisical.set('proj', 'prod', '/other', 'B', 'b');
    const login = await fetch(`${infisical.url}/api/v1/auth/universal-auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'id', clientSecret: 'secret' }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const list = () =>
      get(`${infisical.url}/api/v4/secrets?projectId=proj&environment=prod&secretPath=%2Fteo`, accessToken);

    const listed = await list();
    const refused = await list();

    expect(listed.json).toEqual({
      secrets: [{ secretKey: 'A', secretValue: 'a', version: 1, type: 'shared' }],
      imports: [],
    });
    expect(refused).toMatchObject({ status: 429, retryAfter: '60', json: { error: 'TooManyRequests' } });
  });
});

describe('the Secrets Manager stand-in', () => {
  const start = async (options: Parameters<typeof startSecretsManagerStandIn>[0] = {}) => {
    const sm = await startSecretsManagerStandIn(options);
    closing.push(sm);
    const aws = awsJsonClient('secretsmanager', {
      env: sm.env,
      clock: { now: Date.now, random: () => 0.5, sleep: async () => undefined },
    });
    return { sm, aws };
  };

  it('gives up to 20 secrets a BatchGetSecretValue, each one it cannot give in Errors', async () => {
    const { sm, aws } = await start();
    sm.put('a', 'value-a');
    const ids = [sm.arnOf('a'), sm.arnOf('missing')];

    const answer = await aws.call('BatchGetSecretValue', { SecretIdList: ids });
    const tooMany = aws.call('BatchGetSecretValue', { SecretIdList: Array(21).fill(ids[0]) });

    expect(answer).toMatchObject({
      SecretValues: [{ ARN: sm.arnOf('a'), Name: 'a', SecretString: 'value-a' }],
      Errors: [{ SecretId: sm.arnOf('missing'), ErrorCode: 'ResourceNotFoundException' }],
    });
    await expect(tooMany).rejects.toMatchObject({ code: 'ValidationException', status: 400 });
  });

  it('throttles BatchGetSecretValue past its rate a second', async () => {
    const { sm, aws } = await start({ batchPerSecond: 2, now: () => clock });
    sm.put('a', 'value-a');
    const batch = () => aws.call('BatchGetSecretValue', { SecretIdList: [sm.arnOf('a')] });

    await batch();
    await batch();
    const refused = batch();
    await expect(refused).rejects.toMatchObject({ code: 'ThrottlingException', status: 400 });
    clock += 1000;
    await expect(batch()).resolves.toMatchObject({ SecretValues: [{ Name: 'a' }] });
  });

  it('answers InternalServiceError with a 500, as AWS does', async () => {
    const { sm, aws } = await start();
    sm.failNext('InternalServiceError', 3);

    await expect(aws.call('GetSecretValue', { SecretId: 'a' })).rejects.toMatchObject({
      code: 'InternalServiceError',
      status: 500,
    });
  });
});
