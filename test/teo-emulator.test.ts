import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type KeylessDescribe, startTeoEmulator, type TeoEmulator } from '../emulator/teo-emulator.ts';
import { KEY, ZONE } from './support/fake-config.ts';
import { post, sendSigned, type TeoAnswer } from './support/signed-request.ts';

const teo = JSON.parse(
  readFileSync(new URL('./fixtures/vectors/tc3-hmac-sha256.json', import.meta.url), 'utf8'),
).vectors.find((v: { name: string }) => v.name.startsWith('teo-modify'));
const SECRET_ID = 'AKIDFAKEEXAMPLE';
const ORIGINAL_KEY = Buffer.alloc(32, 1).toString('base64');
const vectorHeaders = {
  'content-type': teo.contentType,
  host: teo.host,
  'x-tc-action': teo.action,
  'x-tc-version': teo.version,
  'x-tc-timestamp': String(teo.timestamp),
  authorization: `TC3-HMAC-SHA256 Credential=${SECRET_ID}/${teo.date}/teo/tc3_request, SignedHeaders=${teo.signedHeaders}, Signature=${teo.signature}`,
};

let emulator: TeoEmulator;
beforeAll(async () => {
  emulator = await startTeoEmulator({
    credentials: { [SECRET_ID]: teo.secretKey },
    zones: { [ZONE]: ORIGINAL_KEY },
  });
});
afterAll(() => emulator.close());
afterEach(() => vi.useRealTimers());

const atVectorTime = () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(teo.timestamp * 1000);
};
const errorCode = (answer: TeoAnswer) => answer.json?.Response.Error?.Code;

describe('the TEO emulator verifies TC3-HMAC-SHA256 as Tencent does', () => {
  it("accepts the TEO vector's exact request and sets the zone's key", async () => {
    atVectorTime();

    const answer = await post(emulator.url, vectorHeaders, teo.body);

    expect(answer.status).toBe(200);
    expect(answer.json?.Response.Error).toBeUndefined();
    expect(answer.json?.Response.RequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(emulator.zoneKey(ZONE)).toBe(KEY);
  });

  const authorizationWith = (change: (header: string) => string) => ({
    authorization: change(vectorHeaders.authorization),
  });
  it.each([
    [
      'the body',
      {},
      teo.body.replace('zone-27q0p0bal192', 'zone-27q0p0bal193'),
      'AuthFailure.SignatureFailure',
    ],
    ['the body by one space', {}, `${teo.body} `, 'AuthFailure.SignatureFailure'],
    ['the host', { host: 'teo.tencentcloudapi.com' }, undefined, 'AuthFailure.SignatureFailure'],
    [
      'the content type',
      { 'content-type': 'application/json; charset=utf-8' },
      undefined,
      'AuthFailure.SignatureFailure',
    ],
    [
      'the timestamp',
      { 'x-tc-timestamp': String(teo.timestamp + 1) },
      undefined,
      'AuthFailure.SignatureFailure',
    ],
    [
      'the signature',
      authorizationWith((h) => h.replace(/Signature=5/, 'Signature=6')),
      undefined,
      'AuthFailure.SignatureFailure',
    ],
    [
      'the SecretId',
      authorizationWith((h) => h.replace(SECRET_ID, 'AKIDOTHEREXAMPLE')),
      undefined,
      'AuthFailure.SecretIdNotFound',
    ],
    [
      'the scope date',
      authorizationWith((h) => h.replace(teo.date, '2019-02-26')),
      undefined,
      'AuthFailure.SignatureFailure',
    ],
    [
      'the scope service',
      authorizationWith((h) => h.replace('/teo/', '/cvm/')),
      undefined,
      'AuthFailure.SignatureFailure',
    ],
    [
      'the signed headers',
      authorizationWith((h) => h.replace('content-type;host', 'host')),
      undefined,
      'AuthFailure.SignatureFailure',
    ],
    [
      'the algorithm',
      authorizationWith((h) => h.replace('TC3-HMAC-SHA256', 'TC3-HMAC-SHA1')),
      undefined,
      'AuthFailure.InvalidAuthorization',
    ],
  ])('refuses the vector request with %s changed, and changes nothing', async (_, headers, body, code) => {
    atVectorTime();

    const answer = await post(emulator.url, { ...vectorHeaders, ...headers }, body ?? teo.body);

    expect(errorCode(answer)).toBe(code);
    expect(answer.json?.Response.RequestId).toEqual(expect.any(String));
    expect(emulator.zoneKey(ZONE)).toBe(KEY);
  });

  it.each([301, -301])('refuses a signature %i s away from its clock as expired', async (offset) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime((teo.timestamp + offset) * 1000);

    expect(errorCode(await post(emulator.url, vectorHeaders, teo.body))).toBe('AuthFailure.SignatureExpire');
  });

  it('accepts a signature 300 s away', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime((teo.timestamp + 300) * 1000);

    expect((await post(emulator.url, vectorHeaders, teo.body)).json?.Response.Error).toBeUndefined();
  });
});

describe('the TEO emulator serves the three actions', () => {
  const call = (action: string, params: unknown, extra: Partial<Parameters<typeof sendSigned>[0]> = {}) =>
    sendSigned({
      url: emulator.url,
      action,
      body: JSON.stringify(params),
      secretId: SECRET_ID,
      secretKey: teo.secretKey,
      ...extra,
    });

  it('describes the key that Modify set', async () => {
    const key = Buffer.alloc(48, 7).toString('base64');

    await call('ModifyMultiPathGatewaySecretKey', { ZoneId: ZONE, SecretKey: key });
    const described = await call('DescribeMultiPathGatewaySecretKey', { ZoneId: ZONE });

    expect(described.json?.Response.SecretKey).toBe(key);
  });

  it.each([
    [{ SecretKey: KEY }, 'MissingParameter'],
    [{ ZoneId: ZONE }, 'MissingParameter'],
    [{ ZoneId: ZONE, SecretKey: Buffer.alloc(31).toString('base64') }, 'InvalidParameterValue'],
    [{ ZoneId: ZONE, SecretKey: Buffer.alloc(49).toString('base64') }, 'InvalidParameterValue'],
    [{ ZoneId: ZONE, SecretKey: 'not base64 at all, not at all!!' }, 'InvalidParameterValue'],
    [{ ZoneId: 'zone-unknown0', SecretKey: KEY }, 'ResourceNotFound'],
  ])('refuses Modify with %j: %s', async (params, code) => {
    const before = emulator.zoneKey(ZONE);

    expect(errorCode(await call('ModifyMultiPathGatewaySecretKey', params))).toBe(code);
    expect(emulator.zoneKey(ZONE)).toBe(before);
  });

  it('refuses an unknown action and an unknown version', async () => {
    expect(errorCode(await call('DeleteZone', { ZoneId: ZONE }))).toBe('InvalidAction');
    expect(
      errorCode(await call('DescribeMultiPathGatewaySecretKey', { ZoneId: ZONE }, { version: '2020-01-01' })),
    ).toBe('NoSuchVersion');
  });

  it('holds the next signed request until the test releases it, applying its Modify only then', async () => {
    const before = emulator.zoneKey(ZONE);
    const key = Buffer.alloc(40, 9).toString('base64');
    const held = emulator.holdNext();

    const forged = await call('DescribeMultiPathGatewaySecretKey', { ZoneId: ZONE }, { secretKey: 'wrong' });
    expect(errorCode(forged)).toBe('AuthFailure.SignatureFailure');
    const modified = call('ModifyMultiPathGatewaySecretKey', { ZoneId: ZONE, SecretKey: key });
    await held.arrived;
    const meanwhile = await call('DescribeMultiPathGatewaySecretKey', { ZoneId: ZONE });
    expect([meanwhile.json?.Response.SecretKey, emulator.zoneKey(ZONE)]).toEqual([before, before]);

    held.release();
    expect(errorCode(await modified)).toBeUndefined();
    expect(emulator.zoneKey(ZONE)).toBe(key);
  });

  it('holds only a request of the action named, letting the others through', async () => {
    const key = Buffer.alloc(32, 5).toString('base64');
    const held = emulator.holdNext('ModifyMultiPathGatewaySecretKey');

    const described = await call('DescribeMultiPathGatewaySecretKey', { ZoneId: ZONE });
    expect(described.json?.Response.SecretKey).toBe(emulator.zoneKey(ZONE));
    const modified = call('ModifyMultiPathGatewaySecretKey', { ZoneId: ZONE, SecretKey: key });
    await held.arrived;
    expect(emulator.zoneKey(ZONE)).not.toBe(key);

    held.release();
    expect(errorCode(await modified)).toBeUndefined();
    expect(emulator.zoneKey(ZONE)).toBe(key);
  });

  it('throttles past 20 requests in a second of one action, each action counted on its own', async () => {
    // Its own emulator: the one-second window must not hold the other tests' requests.
    const fresh = await startTeoEmulator({
      credentials: { [SECRET_ID]: teo.secretKey },
      zones: { [ZONE]: ORIGINAL_KEY },
    });
    try {
      const answers = await Promise.all(
        Array.from({ length: 25 }, () =>
          call('DescribeMultiPathGatewaySecretKey', { ZoneId: ZONE }, { url: fresh.url }),
        ),
      );
      const modified = await call(
        'ModifyMultiPathGatewaySecretKey',
        { ZoneId: ZONE, SecretKey: KEY },
        { url: fresh.url },
      );

      const codes = answers.map(errorCode);
      expect(codes.filter((code) => code === undefined)).toHaveLength(20);
      expect(codes.filter((code) => code === 'RequestLimitExceeded')).toHaveLength(5);
      expect(errorCode(modified)).toBeUndefined();
    } finally {
      await fresh.close();
    }
  });

  describe('a zone without a key', () => {
    const KEYLESS = 'zone-keyless01';
    const withKeylessZone = async (keylessDescribe?: KeylessDescribe) => {
      const fresh = await startTeoEmulator({
        credentials: { [SECRET_ID]: teo.secretKey },
        zones: { [ZONE]: ORIGINAL_KEY, [KEYLESS]: null },
        ...(keylessDescribe && { keylessDescribe }),
      });
      const at = (action: string, params: unknown) => call(action, params, { url: fresh.url });
      return { fresh, at };
    };

    it.each([
      [undefined, 'ResourceNotFound', undefined],
      ['ResourceNotFound', 'ResourceNotFound', undefined],
      ['no-SecretKey', undefined, undefined],
    ] as const)('is described, as chosen (%s), by %s with no SecretKey', async (variant, code, secretKey) => {
      const { fresh, at } = await withKeylessZone(variant);
      try {
        const described = await at('DescribeMultiPathGatewaySecretKey', { ZoneId: KEYLESS });

        expect(errorCode(described)).toBe(code);
        expect(described.json?.Response.SecretKey).toBe(secretKey);
        expect(described.json?.Response.RequestId).toMatch(/^[0-9a-f-]{36}$/);
      } finally {
        await fresh.close();
      }
    });

    it('refuses Modify, and takes Create with the requested key, which Describe then shows', async () => {
      const { fresh, at } = await withKeylessZone();
      try {
        expect(
          errorCode(await at('ModifyMultiPathGatewaySecretKey', { ZoneId: KEYLESS, SecretKey: KEY })),
        ).toBe('ResourceNotFound');
        expect(fresh.zoneKey(KEYLESS)).toBeUndefined();

        const created = await at('CreateMultiPathGatewaySecretKey', { ZoneId: KEYLESS, SecretKey: KEY });

        expect(errorCode(created)).toBeUndefined();
        expect(created.json?.Response.RequestId).toMatch(/^[0-9a-f-]{36}$/);
        expect(fresh.zoneKey(KEYLESS)).toBe(KEY);
        const described = await at('DescribeMultiPathGatewaySecretKey', { ZoneId: KEYLESS });
        expect(described.json?.Response.SecretKey).toBe(KEY);
      } finally {
        await fresh.close();
      }
    });

    it('generates a 32-byte key when Create names none', async () => {
      const { fresh, at } = await withKeylessZone();
      try {
        expect(errorCode(await at('CreateMultiPathGatewaySecretKey', { ZoneId: KEYLESS }))).toBeUndefined();

        expect(Buffer.from(fresh.zoneKey(KEYLESS) ?? '', 'base64')).toHaveLength(32);
      } finally {
        await fresh.close();
      }
    });

    it.each([
      [{ ZoneId: ZONE, SecretKey: KEY }, 'OperationDenied'],
      [{ ZoneId: 'zone-unknown0', SecretKey: KEY }, 'ResourceNotFound'],
      [{ ZoneId: KEYLESS, SecretKey: Buffer.alloc(31).toString('base64') }, 'InvalidParameterValue'],
      [{ SecretKey: KEY }, 'MissingParameter'],
    ])('refuses Create with %j: %s, changing nothing', async (params, code) => {
      const { fresh, at } = await withKeylessZone();
      try {
        expect(errorCode(await at('CreateMultiPathGatewaySecretKey', params))).toBe(code);
        expect([fresh.zoneKey(ZONE), fresh.zoneKey(KEYLESS)]).toEqual([ORIGINAL_KEY, undefined]);
      } finally {
        await fresh.close();
      }
    });

    it('applies an injected fault to a Create only when the zone would have taken it', async () => {
      const { fresh, at } = await withKeylessZone();
      try {
        fresh.inject({ kind: 'drop', applied: true }, { kind: 'drop', applied: true });
        await expect(
          at('ModifyMultiPathGatewaySecretKey', { ZoneId: KEYLESS, SecretKey: KEY }),
        ).rejects.toThrow();
        expect(fresh.zoneKey(KEYLESS)).toBeUndefined();
        await expect(
          at('CreateMultiPathGatewaySecretKey', { ZoneId: KEYLESS, SecretKey: KEY }),
        ).rejects.toThrow();
        expect(fresh.zoneKey(KEYLESS)).toBe(KEY);
      } finally {
        await fresh.close();
      }
    });
  });

  describe('injected faults, each for the next request only', () => {
    // Fresh random keys: a key of one repeated byte matched the zone's key of an earlier test one time in 256.
    const key = () => randomBytes(32).toString('base64');
    const modify = (secretKey: string) =>
      call('ModifyMultiPathGatewaySecretKey', { ZoneId: ZONE, SecretKey: secretKey });

    it('answers a scripted error code, then serves normally', async () => {
      emulator.inject({ kind: 'error', code: 'InternalError' });
      const [first, second] = [key(), key()];

      expect(errorCode(await modify(first))).toBe('InternalError');
      expect(emulator.zoneKey(ZONE)).not.toBe(first);
      expect(errorCode(await modify(second))).toBeUndefined();
      expect(emulator.zoneKey(ZONE)).toBe(second);
    });

    it('answers HTTP 5xx, or a body that is not JSON, optionally after applying the key', async () => {
      const [first, second] = [key(), key()];
      emulator.inject({ kind: 'http-status', status: 502 }, { kind: 'non-json', applied: true });

      expect((await modify(first)).status).toBe(502);
      expect(emulator.zoneKey(ZONE)).not.toBe(first);
      expect((await modify(second)).text).toMatch(/^<html>/);
      expect(emulator.zoneKey(ZONE)).toBe(second);
    });

    it('drops the connection', async () => {
      emulator.inject({ kind: 'drop' });

      await expect(modify(key())).rejects.toThrow(/socket hang up|ECONNRESET/);
    });

    it('answers late', async () => {
      emulator.inject({ kind: 'latency', delayMs: 300 });
      const started = Date.now();

      await modify(key());

      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    });

    it('records every call that reached an action, with its answer', async () => {
      emulator.calls.length = 0;
      emulator.inject({ kind: 'error', code: 'OperationDenied' });

      await modify(key());
      await call('DescribeMultiPathGatewaySecretKey', { ZoneId: ZONE });

      expect(emulator.calls).toEqual([
        {
          action: 'ModifyMultiPathGatewaySecretKey',
          zoneId: ZONE,
          answer: 'OperationDenied',
          requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        },
        {
          action: 'DescribeMultiPathGatewaySecretKey',
          zoneId: ZONE,
          answer: 'ok',
          requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        },
      ]);
    });
  });
});
