// The TEO gateway against a stand-in on loopback: what reaches TEO besides the signed parameters, how long an
// attempt may take, and what is kept of TEO's refusals.
import { describe, expect, it, vi } from 'vitest';
import { parseTeoEndpoint, type TeoEndpoint } from '#lib/adapters/teo/endpoint.ts';
import { createTencentCloudGateway } from '#lib/adapters/teo/tencent-cloud-gateway.ts';
import { systemClock } from '#lib/domain/retry.ts';
import { TeoRefused, TeoUnreachable } from '#lib/domain/teo-errors.ts';
import { KEY, ZONE } from './support/fake-config.ts';
import { useTeoStandIn } from './support/stand-in-harness.ts';
import { teoError } from './support/teo-stand-in.ts';

const harness = useTeoStandIn();
const CREDENTIALS = { secretId: 'AKIDFAKEGATEWAYTEST', secretKey: 'FakeGatewayTestSecretKey00000000' };
const LATER = () => Date.now() + 60_000;

function gateway({ timeoutMs = 5_000, sessionToken }: { timeoutMs?: number; sessionToken?: string } = {}) {
  const endpoint = parseTeoEndpoint(harness.teo.url) as TeoEndpoint;
  return createTencentCloudGateway(
    {
      endpoint,
      timeoutMs,
      credentials: { ...CREDENTIALS, ...(sessionToken && { sessionToken }) },
    },
    systemClock,
  );
}

describe('createTencentCloudGateway', () => {
  it('sends an STS session token as X-TC-Token, and none when the credentials have none', async () => {
    await gateway({ sessionToken: 'FakeStsSessionTokenForGatewayTests' }).writeSecretKey(
      'Modify',
      { zoneId: ZONE, secretKey: KEY },
      LATER(),
    );
    await gateway().writeSecretKey('Modify', { zoneId: ZONE, secretKey: KEY }, LATER());

    expect(harness.teo.requests.map((request) => request.headers['x-tc-token'])).toEqual([
      'FakeStsSessionTokenForGatewayTests',
      undefined,
    ]);
  });

  it('gives an attempt no more time than is left before the deadline, however long TEO_TIMEOUT_MS is', async () => {
    // The stand-in answers at once: only the deadline, already past, can end the attempt.

    const attempt = gateway({ timeoutMs: 30_000 }).writeSecretKey(
      'Modify',
      { zoneId: ZONE, secretKey: KEY },
      Date.now() - 1,
    );

    await expect(attempt).rejects.toBeInstanceOf(TeoUnreachable);
    await expect(attempt).rejects.toMatchObject({ reason: 'timeout' });
  });

  it('leaves no timer running once TEO has answered, or refused', async () => {
    // A timer left until it fires would keep each attempt's request in memory for TEO_TIMEOUT_MS after its answer.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await gateway().writeSecretKey('Modify', { zoneId: ZONE, secretKey: KEY }, LATER());
      harness.teo.script(teoError('InvalidParameter', 'no such zone', 'req-refused-0'));
      await expect(gateway().describeSecretKey(ZONE, LATER())).rejects.toBeInstanceOf(TeoRefused);

      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps TEO's code and RequestId, visible in the error's message, and drops TEO's text", async () => {
    harness.teo.script(
      teoError('LimitExceeded.KeyRotation', `rotation refused for key ${KEY}`, 'req-refused-1'),
    );

    const refused = await gateway()
      .writeSecretKey('Modify', { zoneId: ZONE, secretKey: KEY }, LATER())
      .catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(TeoRefused);
    expect(refused).toMatchObject({
      action: 'ModifyMultiPathGatewaySecretKey',
      code: 'LimitExceeded.KeyRotation',
      requestId: 'req-refused-1',
      message: 'TEO answered LimitExceeded.KeyRotation to ModifyMultiPathGatewaySecretKey',
    });
    expect(JSON.stringify(refused)).not.toContain(KEY);
  });

  const modify = () =>
    gateway()
      .writeSecretKey('Modify', { zoneId: ZONE, secretKey: KEY }, LATER())
      .catch((error: unknown) => error);

  it.each([
    'AuthFailure',
    'AuthFailure.SignatureFailure',
    'LimitExceeded.Key2.Rotation',
    `A${'b'.repeat(127)}`,
  ])('passes the well-formed code %s on', async (code) => {
    harness.teo.script(teoError(code));

    expect(await modify()).toMatchObject({ name: 'TeoRefused', code });
  });

  it.each([
    ['too long', `A${'b'.repeat(128)}`],
    ['starting with a digit', '1AuthFailure'],
    ['starting with a dot', '.AuthFailure'],
    ['ending with a dot', 'AuthFailure.'],
    ['with two dots in a row', 'AuthFailure..Signature'],
    ['with a space', 'AuthFailure Signature'],
    ['with a quote of the key', `AuthFailure.${KEY}`],
    ['not a string', 401],
    ['that is not a string but would read as a code', true],
  ])('takes a code %s as a malformed answer, keeping none of it', async (_, code) => {
    harness.teo.script(teoError(code as string));

    const failure = await modify();

    expect(failure).toMatchObject({
      name: 'TeoUnreachable',
      reason: 'malformed-answer',
      keyState: 'unknown',
      message: 'TEO answered an error without a well-formed Code',
    });
    expect(JSON.stringify(failure)).not.toContain(KEY);
  });

  it.each([
    ['empty', ''],
    ['not a string', 42],
  ])('keeps no RequestId that is %s', async (_, requestId) => {
    harness.teo.script(teoError('InternalError', 'x', requestId as string));

    const failure = await modify();

    expect(failure).toMatchObject({ code: 'InternalError', requestId: undefined });
  });

  it('names the HTTP status of an answer that is no TEO answer', async () => {
    harness.teo.script({ status: 503, text: '<html>busy</html>' });

    const failure = await modify();

    expect(failure).toMatchObject({
      name: 'TeoUnreachable',
      reason: 'http-status',
      keyState: 'unknown',
      message: 'TEO answered HTTP 503',
    });
    expect((failure as Error).cause).toMatchObject({ httpCode: 503 });
  });

  it.each([
    ['without a RequestId', { Status: 'ok' }],
    ['with a RequestId that is no identifier', { RequestId: '<script>alert(1)</script>' }],
    ['with a RequestId of 65 characters', { RequestId: 'a'.repeat(65) }],
    ['with an empty RequestId', { RequestId: '' }],
  ])('takes an answer %s as malformed', async (_, response) => {
    harness.teo.script({ json: { Response: response } });

    expect(await modify()).toMatchObject({
      reason: 'malformed-answer',
      keyState: 'unknown',
      message: 'TEO answered without a well-formed RequestId',
    });
  });

  it.each([
    ['a UUID, as TEO documents it', '9153aae4-26b1-4580-adc3-fa7cd4d32bf5'],
    ['64 characters', `${'a'.repeat(63)}9`],
  ])('takes a RequestId that is %s', async (_, requestId) => {
    harness.teo.script({ json: { Response: { RequestId: requestId } } });

    expect(await modify()).toBe(requestId);
  });

  it('keeps a refusal but drops a RequestId that is no identifier', async () => {
    harness.teo.script(teoError('OperationDenied', 'no', 'req id with spaces'));

    expect(await modify()).toMatchObject({
      name: 'TeoRefused',
      code: 'OperationDenied',
      requestId: undefined,
    });
  });

  it.each([
    ['without a SecretKey', { RequestId: 'req-d', ZoneId: ZONE }],
    ['with a null SecretKey', { RequestId: 'req-d', SecretKey: null }],
    ['with an empty SecretKey', { RequestId: 'req-d', SecretKey: '' }],
  ])(
    'reads a description %s as a zone with no key yet, as Tencent’s Terraform provider does',
    async (_, response) => {
      harness.teo.script({ json: { Response: response } });

      await expect(gateway().describeSecretKey(ZONE, LATER())).resolves.toEqual({
        secretKey: undefined,
        requestId: 'req-d',
      });
    },
  );

  it.each(['ResourceNotFound', 'ResourceNotFound.SecretKey'])(
    'reads %s from Describe as a zone with no key yet, keeping its RequestId',
    async (code) => {
      harness.teo.script(teoError(code, 'no key', 'req-none'));

      await expect(gateway().describeSecretKey(ZONE, LATER())).resolves.toEqual({
        secretKey: undefined,
        requestId: 'req-none',
      });
    },
  );

  it('passes a ResourceNotFound without a RequestId on as a refusal of the Describe: nothing says which zone', async () => {
    harness.teo.script({ json: { Response: { Error: { Code: 'ResourceNotFound', Message: 'gone' } } } });

    const failure = await gateway()
      .describeSecretKey(ZONE, LATER())
      .catch((error: unknown) => error);

    expect(failure).toMatchObject({
      name: 'TeoRefused',
      action: 'DescribeMultiPathGatewaySecretKey',
      code: 'ResourceNotFound',
      requestId: undefined,
    });
  });

  it('passes any other refusal of the Describe on, naming it', async () => {
    harness.teo.script(teoError('ResourceUnavailable', 'no', 'req-x'));

    await expect(gateway().describeSecretKey(ZONE, LATER())).rejects.toMatchObject({
      name: 'TeoRefused',
      action: 'DescribeMultiPathGatewaySecretKey',
      code: 'ResourceUnavailable',
    });
  });

  it('takes a description whose SecretKey is no string as malformed', async () => {
    harness.teo.script({ json: { Response: { RequestId: 'req-d', SecretKey: 42 } } });

    const failure = await gateway()
      .describeSecretKey(ZONE, LATER())
      .catch((error: unknown) => error);

    expect(failure).toMatchObject({
      reason: 'malformed-answer',
      keyState: 'unknown',
      message: 'TEO described the zone with a SecretKey that is no string',
    });
  });

  it('creates a first key with CreateMultiPathGatewaySecretKey, the requested key in it, naming Create when refused', async () => {
    harness.teo.script({ json: { Response: { RequestId: 'req-c' } } }, teoError('OperationDenied'));

    await expect(gateway().writeSecretKey('Create', { zoneId: ZONE, secretKey: KEY }, LATER())).resolves.toBe(
      'req-c',
    );
    await expect(
      gateway().writeSecretKey('Create', { zoneId: ZONE, secretKey: KEY }, LATER()),
    ).rejects.toMatchObject({ action: 'CreateMultiPathGatewaySecretKey', code: 'OperationDenied' });
    expect(harness.teo.requests[0]?.headers['x-tc-action']).toBe('CreateMultiPathGatewaySecretKey');
    expect(JSON.parse(harness.teo.requests[0]?.body ?? '')).toEqual({ ZoneId: ZONE, SecretKey: KEY });
  });

  it('describes the zone: its live key and the RequestId', async () => {
    harness.teo.script({ json: { Response: { RequestId: 'req-d', SecretKey: KEY } } });

    await expect(gateway().describeSecretKey(ZONE, LATER())).resolves.toEqual({
      secretKey: KEY,
      requestId: 'req-d',
    });
    expect(JSON.parse(harness.teo.requests[0]?.body ?? '')).toEqual({ ZoneId: ZONE });
    expect(harness.teo.requests[0]?.headers['x-tc-action']).toBe('DescribeMultiPathGatewaySecretKey');
    expect(harness.teo.requests[0]?.headers['x-tc-version']).toBe('2022-09-01');
  });

  it('says TEO could not be reached, and why, when the connection fails', async () => {
    harness.teo.script({ drop: true });

    const failure = await modify();

    expect(failure).toMatchObject({ name: 'TeoUnreachable', reason: 'transport', keyState: 'unknown' });
    // node:http's own words, through the SDK's error.
    expect((failure as Error).message).toMatch(/^TEO could not be reached: .*(?:socket hang up|ECONNRESET)/);
    expect((failure as Error).message.length).toBeLessThanOrEqual('TEO could not be reached: '.length + 200);
    expect((failure as Error).cause).toBeDefined();
  });

  it('says TEO did not answer in time when an attempt outlasts TEO_TIMEOUT_MS', async () => {
    harness.teo.script({ json: { Response: { RequestId: 'late' } }, delayMs: 300 });

    const failure = await createTencentCloudGateway(
      {
        endpoint: parseTeoEndpoint(harness.teo.url) as TeoEndpoint,
        timeoutMs: 20,
        credentials: CREDENTIALS,
      },
      systemClock,
    )
      .writeSecretKey('Modify', { zoneId: ZONE, secretKey: KEY }, LATER())
      .catch((error: unknown) => error);

    expect(failure).toMatchObject({
      name: 'TeoUnreachable',
      reason: 'timeout',
      keyState: 'unknown',
      message: 'TEO did not answer in time',
    });
    expect((failure as Error).cause).toMatchObject({ name: 'TimeoutError' });
  });
});
