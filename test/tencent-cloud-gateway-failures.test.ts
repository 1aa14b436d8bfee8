// What the TEO gateway keeps of a failure the SDK throws that no loopback server can make it throw: a transport
// message of any length (cut, so that no log line carries an unbounded text), and a thrown value that is no Error.
import { describe, expect, it, vi } from 'vitest';
import { createTencentCloudGateway } from '#lib/adapters/teo/tencent-cloud-gateway.ts';
import { systemClock } from '#lib/domain/retry.ts';
import { KEY, ZONE } from './support/fake-config.ts';

const thrown = vi.hoisted(() => ({ value: undefined as unknown }));
vi.mock('tencentcloud-sdk-nodejs-common', () => ({
  CommonClient: class {
    async request() {
      throw thrown.value;
    }
  },
}));

const modify = () =>
  createTencentCloudGateway(
    {
      endpoint: { protocol: 'https:', host: 'teo.intl.tencentcloudapi.com' },
      timeoutMs: 5000,
      credentials: { secretId: 'AKIDFAKEGATEWAYTEST', secretKey: 'FakeGatewayTestSecretKey00000000' },
    },
    systemClock,
  )
    .writeSecretKey('Modify', { zoneId: ZONE, secretKey: KEY }, Date.now() + 60_000)
    .catch((error: unknown) => error as Error);

describe('a failure the SDK throws', () => {
  it('keeps the first 200 characters of a transport failure’s message', async () => {
    thrown.value = new Error(`connect ECONNREFUSED ${'x'.repeat(500)}`);

    const failure = (await modify()) as Error;

    expect(failure).toMatchObject({ name: 'TeoUnreachable', reason: 'transport', keyState: 'unknown' });
    expect(failure.message).toBe(`TEO could not be reached: connect ECONNREFUSED ${'x'.repeat(179)}`);
    expect(failure.cause).toBe(thrown.value);
  });

  it.each([
    ['a string', 'socket closed'],
    ['null', null],
    ['an object without a message', { errno: -104 }],
  ])('names %s thrown instead of an Error an unknown error, the key’s state unknown', async (_, value) => {
    thrown.value = value;

    const failure = (await modify()) as Error;

    expect(failure).toMatchObject({
      name: 'TeoUnreachable',
      reason: 'transport',
      keyState: 'unknown',
      message: 'TEO could not be reached: unknown error',
    });
  });
});
