// The keyless adapters against a scripted server on loopback: what each asks (AWS STS's GetWebIdentityToken, Tencent
// STS's unsigned exchange, CAM's access-key actions), what it takes from the answer, and each answer it refuses,
// named without a token or a key.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { mintWebIdentityToken } from '#lib/adapters/aws/web-identity-token.ts';
import { camClient, camEndpointBeside, keyIdsOf } from '#lib/adapters/teo/cam.ts';
import { sessionNameOf } from '#lib/adapters/teo/keyless-credentials.ts';
import { publishedKids } from '#lib/adapters/teo/keyless-health.ts';
import { exchangeWebIdentityToken } from '#lib/adapters/teo/sts-exchange.ts';
import type { OidcSettings } from '#lib/adapters/teo/teo-settings.ts';
import {
  type RecordedRequest,
  type RecordingServer,
  startRecordingServer,
} from './support/recording-server.ts';

let script: { status?: number; body: string }[] = [];
let server: RecordingServer;
let seen: RecordedRequest[];

beforeAll(async () => {
  server = await startRecordingServer((_, response) => {
    const { status = 200, body } = script.shift() ?? { status: 599, body: '' };
    response.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  seen = server.seen;
});
afterAll(() => server.close());
beforeEach(() => {
  seen.length = 0;
  script = [];
});

const unavailable = (message: string) => expect.objectContaining({ name: 'CredentialsUnavailable', message });

describe('mintWebIdentityToken', () => {
  const sts = () =>
    awsJsonClient('sts', {
      env: {
        AWS_ENDPOINT_URL_STS: server.base,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'fake-test-key',
        AWS_SECRET_ACCESS_KEY: 'fake-test-secret',
      },
      clock: { now: Date.now, random: () => 0.5, sleep: async () => undefined },
    });
  const answer = (inner: string) => ({
    body: `<GetWebIdentityTokenResponse><GetWebIdentityTokenResult>${inner}</GetWebIdentityTokenResult></GetWebIdentityTokenResponse>`,
  });

  it('asks for the one audience, RS256, for 60 seconds, signed for sts in the Region', async () => {
    script = [
      answer('<WebIdentityToken>a.b.c</WebIdentityToken><Expiration>2026-12-02T00:00:00Z</Expiration>'),
    ];

    await expect(mintWebIdentityToken(sts(), 'teo-key-rotator')).resolves.toBe('a.b.c');
    expect(Object.fromEntries(new URLSearchParams(seen[0]?.body))).toEqual({
      Action: 'GetWebIdentityToken',
      Version: '2011-06-15',
      'Audience.member.1': 'teo-key-rotator',
      SigningAlgorithm: 'RS256',
      DurationSeconds: '60',
    });
    expect(seen[0]?.headers.authorization).toMatch(/\/eu-west-1\/sts\/aws4_request,/);
  });

  it('takes the token as XML escapes it', async () => {
    script = [answer('<WebIdentityToken>a&amp;b&lt;c&gt;d&quot;e&apos;f</WebIdentityToken>')];

    await expect(mintWebIdentityToken(sts(), 'a')).resolves.toBe(`a&b<c>d"e'f`);
    expect(seen[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
  });

  it.each([
    ['no result', { body: '<GetWebIdentityTokenResponse/>' }],
    ['no token', answer('<Expiration>2026-12-02T00:00:00Z</Expiration>')],
    ['an empty token', answer('<WebIdentityToken></WebIdentityToken>')],
  ])('fails on an answer with %s', async (_, scripted) => {
    script = [scripted];

    await expect(mintWebIdentityToken(sts(), 'a')).rejects.toEqual(
      unavailable('AWS STS answered without a WebIdentityToken'),
    );
  });

  it("fails naming AWS's code, the error kept as the cause", async () => {
    script = [
      { status: 403, body: '<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>' },
    ];

    const failed = mintWebIdentityToken(sts(), 'a');

    await expect(failed).rejects.toEqual(unavailable('AWS STS gave no web identity token (AccessDenied)'));
    await expect(failed).rejects.toMatchObject({ cause: expect.objectContaining({ code: 'AccessDenied' }) });
  });
});

describe('exchangeWebIdentityToken', () => {
  const oidc = (): OidcSettings => ({
    providerId: 'aws-lambda',
    roleArn: 'qcs::cam::uin/1:roleName/r',
    audience: 'a',
    stsEndpoint: new URL(server.base),
    stsRegion: 'ap-singapore',
  });
  const exchange = () =>
    exchangeWebIdentityToken(oidc(), 'the.jwt.token', {
      sessionName: 'fn',
      clock: { now: () => 1_750_000_000_999 },
    });
  const respond = (response: unknown) => ({ body: JSON.stringify({ Response: response }) });
  const CREDENTIALS = { TmpSecretId: 'AKIDtmp', TmpSecretKey: 'tmp-key', Token: 'tmp-token' };

  it('sends the token unsigned, as Tencent documents it, and takes the credentials and their end', async () => {
    script = [respond({ Credentials: CREDENTIALS, ExpiredTime: 1_750_003_600, RequestId: 'r' })];

    await expect(exchange()).resolves.toEqual({
      secretId: 'AKIDtmp',
      secretKey: 'tmp-key',
      sessionToken: 'tmp-token',
      expiresAt: 1_750_003_600_000,
    });
    expect(seen[0]?.headers).toMatchObject({
      authorization: 'SKIP',
      'content-type': 'application/json; charset=utf-8',
      'x-tc-action': 'AssumeRoleWithWebIdentity',
      'x-tc-version': '2018-08-13',
      'x-tc-region': 'ap-singapore',
      'x-tc-timestamp': '1750000000',
    });
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({
      ProviderId: 'aws-lambda',
      WebIdentityToken: 'the.jwt.token',
      RoleArn: 'qcs::cam::uin/1:roleName/r',
      RoleSessionName: 'fn',
      DurationSeconds: 3600,
    });
  });

  it.each([
    ['no TmpSecretId', { Credentials: { ...CREDENTIALS, TmpSecretId: undefined }, ExpiredTime: 1 }],
    ['no TmpSecretKey', { Credentials: { ...CREDENTIALS, TmpSecretKey: 7 }, ExpiredTime: 1 }],
    ['no Token', { Credentials: { ...CREDENTIALS, Token: null }, ExpiredTime: 1 }],
    ['no ExpiredTime', { Credentials: CREDENTIALS, ExpiredTime: '1' }],
    ['no Credentials', { ExpiredTime: 1 }],
  ])('fails on an answer with %s', async (_, response) => {
    script = [respond(response)];

    await expect(exchange()).rejects.toEqual(
      unavailable('Tencent STS answered without credentials and their ExpiredTime'),
    );
  });

  it('fails on an answer that is not JSON, or has no Response', async () => {
    script = [{ body: 'Bad Gateway' }, { body: '{}' }];

    for (const _ of [1, 2]) {
      await expect(exchange()).rejects.toEqual(
        unavailable('Tencent STS answered without credentials and their ExpiredTime'),
      );
    }
  });

  it("fails naming Tencent's code, and nothing of an error whose code is not one", async () => {
    script = [
      respond({ Error: { Code: 'InvalidParameter.ParamError', Message: 'the.jwt.token is bad' } }),
      respond({ Error: { Code: 'not a code: the.jwt.token', Message: 'x' } }),
      respond({ Error: { Message: 'no code' } }),
    ];

    await expect(exchange()).rejects.toEqual(
      unavailable('Tencent STS refused the exchange (InvalidParameter.ParamError)'),
    );
    await expect(exchange()).rejects.toEqual(
      unavailable('Tencent STS refused the exchange (an error without a code)'),
    );
    await expect(exchange()).rejects.toEqual(
      unavailable('Tencent STS refused the exchange (an error without a code)'),
    );
  });

  it('fails naming the kind of error when it cannot be reached, the error kept as the cause', async () => {
    const failed = exchangeWebIdentityToken({ ...oidc(), stsEndpoint: new URL('http://127.0.0.1:9/') }, 't', {
      sessionName: 'fn',
      clock: { now: Date.now },
    });

    await expect(failed).rejects.toEqual(unavailable('Tencent STS could not be reached (Error)'));
    await expect(failed).rejects.toMatchObject({ cause: expect.objectContaining({ code: 'ECONNREFUSED' }) });
  });
});

describe('sessionNameOf', () => {
  it.each([
    [undefined, 'teo-key-rotator'],
    ['teo-key-rotator-prod-sync', 'teo-key-rotator-prod-sync'],
    ['a function/with spaces!', 'a-function-with-spaces-'],
    ['x', 'x-'],
    ['f'.repeat(200), 'f'.repeat(128)],
  ])('names the session for %s as Tencent allows: %s', (name, session) => {
    expect(sessionNameOf(name)).toBe(session);
  });
});

describe('camClient', () => {
  const respond = (response: unknown) => ({
    body: JSON.stringify({ Response: { ...(response as object), RequestId: 'r' } }),
  });
  const endpoint = () => {
    const { port } = new URL(server.base);
    return { protocol: 'http:' as const, host: `cam.tencentcloudapi.com:${port}`, dialAddress: '127.0.0.1' };
  };
  const cam = (sessionToken?: string) =>
    camClient(endpoint(), {
      secretId: 'AKIDuser',
      secretKey: 'user-key',
      ...(sessionToken && { sessionToken }),
    });

  it("lists the signer's keys, CAM version 2019-01-16, with a token when the pair has one", async () => {
    script = [
      respond({
        AccessKeys: [
          null,
          { AccessKeyId: 'AKID1', Status: 'Active', Description: 'teo-key-rotator t' },
          { AccessKeyId: 'AKID2', Status: 'Inactive' },
        ],
      }),
    ];

    await expect(cam('session-token').list()).resolves.toEqual([
      { accessKeyId: 'AKID1', status: 'Active', description: 'teo-key-rotator t' },
      { accessKeyId: 'AKID2', status: 'Inactive', description: '' },
    ]);
    expect(seen[0]?.headers).toMatchObject({
      'x-tc-action': 'ListAccessKeys',
      'x-tc-version': '2019-01-16',
      'x-tc-token': 'session-token',
    });
    expect(seen[0]?.headers.authorization).toMatch(/\/cam\/tc3_request,/);
  });

  it('takes no keys from an answer without a list, and sends no token for a key pair', async () => {
    script = [respond({})];

    await expect(cam().list()).resolves.toEqual([]);
    expect(seen[0]?.headers).not.toHaveProperty('x-tc-token');
  });

  it.each([
    ['no AccessKey', {}],
    ['no SecretAccessKey', { AccessKey: { AccessKeyId: 'AKID3' } }],
    ['no AccessKeyId', { AccessKey: { SecretAccessKey: 's' } }],
  ])('refuses a made key whose answer has %s', async (_, response) => {
    script = [respond(response)];

    await expect(cam().create('d')).rejects.toMatchObject({
      name: 'CamRefused',
      code: 'an answer without the key',
      message: 'CAM answered an answer without the key to CreateAccessKey',
    });
  });

  it("reads a provider's issuer, audiences and the key ids of its JWKS copy (DescribeOIDCConfig)", async () => {
    const jwks = {
      keys: [
        { kty: 'RSA', kid: 'RSA_1' },
        { kty: 'EC', kid: 'EC_1' },
      ],
    };
    script = [
      respond({
        IdentityUrl: 'https://issuer.example',
        ClientId: ['teo-key-rotator', 'other'],
        IdentityKey: Buffer.from(JSON.stringify(jwks)).toString('base64'),
      }),
      respond({ IdentityUrl: 7, ClientId: 'not-a-list' }),
    ];

    await expect(cam().describeOidcConfig('aws-lambda')).resolves.toEqual({
      identityUrl: 'https://issuer.example',
      clientIds: ['teo-key-rotator', 'other'],
      keyIds: ['RSA_1'],
    });
    // An answer without them: no issuer, no audience, no key (every check on them then fails).
    await expect(cam().describeOidcConfig('aws-lambda')).resolves.toEqual({
      identityUrl: undefined,
      clientIds: [],
      keyIds: [],
    });
    expect(seen[0]?.headers).toMatchObject({ 'x-tc-action': 'DescribeOIDCConfig' });
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ Name: 'aws-lambda' });
  });

  it("refuses with CAM's code, and nothing of an error whose code is not one", async () => {
    script = [
      respond({ Error: { Code: 'FailedOperation.Accesskey', Message: 'two keys' } }),
      respond({ Error: { Code: 'not a code: user-key', Message: 'x' } }),
    ];

    await expect(cam().setStatus('AKID1', 'Inactive')).rejects.toMatchObject({
      code: 'FailedOperation.Accesskey',
      message: 'CAM answered FailedOperation.Accesskey to UpdateAccessKey',
    });
    await expect(cam().remove('AKID1')).rejects.toMatchObject({ code: 'no answer' });
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ AccessKeyId: 'AKID1', Status: 'Inactive' });
    expect(JSON.parse(seen[1]?.body ?? '')).toEqual({ AccessKeyId: 'AKID1' });
  });
});

describe("the health check's pieces", () => {
  it("reads a JWKS's RSA key ids only, from keys that are objects with a text kid", () => {
    expect(
      keyIdsOf({
        keys: [
          null,
          { kty: 'RSA', kid: 'RSA_1' },
          { kty: 'EC', kid: 'EC_1' },
          { kty: 'RSA', kid: 7 },
          { kty: 'RSA' },
        ],
      }),
    ).toEqual(['RSA_1']);
    expect([keyIdsOf(undefined), keyIdsOf({ keys: 'x' }), keyIdsOf([])]).toEqual([[], [], []]);
  });

  it("reads the issuer's published keys with a GET, and none when it cannot", async () => {
    script = [{ body: JSON.stringify({ keys: [{ kty: 'RSA', kid: 'RSA_9' }] }) }];

    await expect(publishedKids(server.base)).resolves.toEqual(['RSA_9']);
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/.well-known/jwks.json' });
    await expect(publishedKids(undefined)).resolves.toEqual([]);
    await expect(publishedKids('http://127.0.0.1:9')).resolves.toEqual([]);
  });

  it("finds CAM beside Tencent's STS, on its site; and a loopback stand-in's, dialled as CAM", () => {
    expect(camEndpointBeside(new URL('https://sts.intl.tencentcloudapi.com/'))).toEqual({
      protocol: 'https:',
      host: 'cam.intl.tencentcloudapi.com',
    });
    expect(camEndpointBeside(new URL('https://sts.tencentcloudapi.com/'))).toEqual({
      protocol: 'https:',
      host: 'cam.tencentcloudapi.com',
    });
    expect(camEndpointBeside(new URL('http://127.0.0.1:9001/'))).toEqual({
      protocol: 'http:',
      host: 'cam.tencentcloudapi.com:9001',
      dialAddress: '127.0.0.1',
    });
    expect(camEndpointBeside(new URL('http://localhost/'))).toMatchObject({
      host: 'cam.tencentcloudapi.com:80',
      dialAddress: '127.0.0.1',
    });
    expect(camEndpointBeside(new URL('http://[::1]:9001/')).dialAddress).toBe('::1');
  });
});
