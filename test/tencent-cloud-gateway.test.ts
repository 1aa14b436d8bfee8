// The TEO gateway against a stand-in on loopback: what reaches TEO besides the signed parameters, how long an
// attempt may take, and what is kept of TEO's refusals.
import { describe, expect, it } from 'vitest';
import { parseTeoEndpoint, type TeoEndpoint } from '#lib/teo/endpoint.ts';
import { TeoRefused, TeoUnreachable } from '#lib/teo/errors.ts';
import { createTencentCloudGateway } from '#lib/teo/tencent-cloud-gateway.ts';
import { KEY, ZONE } from './support/fake-config.ts';
import { useTeoStandIn } from './support/stand-in-harness.ts';
import { teoError } from './support/teo-stand-in.ts';

const harness = useTeoStandIn();
const CREDENTIALS = { secretId: 'AKIDFAKEGATEWAYTEST', secretKey: 'FakeGatewayTestSecretKey00000000' };
const LATER = () => Date.now() + 60_000;

function gateway({ timeoutMs = 5_000, sessionToken }: { timeoutMs?: number; sessionToken?: string } = {}) {
  const endpoint = parseTeoEndpoint(harness.teo.url) as TeoEndpoint;
  return createTencentCloudGateway({
    endpoint,
    timeoutMs,
    credentials: { ...CREDENTIALS, ...(sessionToken && { sessionToken }) },
  });
}

describe('createTencentCloudGateway', () => {
  it('sends an STS session token as X-TC-Token, and none when the credentials have none', async () => {
    await gateway({ sessionToken: 'FakeStsSessionTokenForGatewayTests' }).modifySecretKey(
      { zoneId: ZONE, secretKey: KEY },
      LATER(),
    );
    await gateway().modifySecretKey({ zoneId: ZONE, secretKey: KEY }, LATER());

    expect(harness.teo.requests.map((request) => request.headers['x-tc-token'])).toEqual([
      'FakeStsSessionTokenForGatewayTests',
      undefined,
    ]);
  });

  it('gives an attempt no more time than is left before the deadline, however long TEO_TIMEOUT_MS is', async () => {
    // The stand-in answers at once: only the deadline, already past, can end the attempt.

    const attempt = gateway({ timeoutMs: 30_000 }).modifySecretKey(
      { zoneId: ZONE, secretKey: KEY },
      Date.now() - 1,
    );

    await expect(attempt).rejects.toBeInstanceOf(TeoUnreachable);
    await expect(attempt).rejects.toMatchObject({ reason: 'timeout' });
  });

  it("keeps TEO's code and RequestId, visible in the error's message, and drops TEO's text", async () => {
    harness.teo.script(
      teoError('LimitExceeded.KeyRotation', `rotation refused for key ${KEY}`, 'req-refused-1'),
    );

    const refused = await gateway()
      .modifySecretKey({ zoneId: ZONE, secretKey: KEY }, LATER())
      .catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(TeoRefused);
    expect(refused).toMatchObject({
      code: 'LimitExceeded.KeyRotation',
      requestId: 'req-refused-1',
      message: 'TEO answered LimitExceeded.KeyRotation',
    });
    expect(JSON.stringify(refused)).not.toContain(KEY);
  });
});
