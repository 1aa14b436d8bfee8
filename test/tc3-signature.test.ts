import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CommonClient } from 'tencentcloud-sdk-nodejs-common';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { agentFor, parseTeoEndpoint } from '#lib/adapters/teo/endpoint.ts';
import { createTencentCloudGateway } from '#lib/adapters/teo/tencent-cloud-gateway.ts';
import { parseTc3Authorization, signTc3 } from '../emulator/tc3-signature.ts';
import { startTeoStandIn, type TeoStandIn } from './support/teo-stand-in.ts';

const vectors = JSON.parse(
  readFileSync(new URL('./fixtures/vectors/tc3-hmac-sha256.json', import.meta.url), 'utf8'),
);
const vector = (prefix: string) => vectors.vectors.find((v: { name: string }) => v.name.startsWith(prefix));
const cvm = vector('cvm-describe-instances (official');
const cvmWithAction = vector('cvm-describe-instances signing x-tc-action');
const teo = vector('teo-modify-multi-path-gateway-secret-key');

const asRequest = (v: typeof cvm, headers: Record<string, string>) => ({
  method: 'POST',
  path: '/',
  query: '',
  headers,
  signedHeaders: v.signedHeaders.split(';'),
  body: v.body,
  timestamp: v.timestamp,
  service: v.service,
});

describe('the independent TC3-HMAC-SHA256 signer', () => {
  it("reproduces Tencent's official CVM worked example at every step", () => {
    const signed = signTc3(
      asRequest(cvm, { 'content-type': cvm.contentType, host: cvm.host }),
      cvm.secretKey,
    );

    expect(signed.hashedPayload).toBe(cvm.hashedRequestPayload);
    expect(signed.canonicalRequest).toBe(cvm.canonicalRequest);
    expect(signed.hashedCanonicalRequest).toBe(cvm.hashedCanonicalRequest);
    expect(signed.stringToSign).toBe(cvm.stringToSign);
    expect(signed.signature).toBe(cvm.signature);
  });

  it('reproduces the official example that also signs x-tc-action, from its published signing key', () => {
    const headers = { 'content-type': cvm.contentType, host: cvm.host, 'x-tc-action': 'DescribeInstances' };
    const signed = signTc3(
      { ...asRequest(cvm, headers), signedHeaders: cvmWithAction.signedHeaders.split(';') },
      'x',
    );

    expect(signed.canonicalRequest).toBe(cvmWithAction.canonicalRequest);
    expect(signed.hashedCanonicalRequest).toBe(cvmWithAction.hashedCanonicalRequest);
    const signature = createHmac('sha256', Buffer.from(cvmWithAction.secretSigningHex, 'hex'))
      .update(signed.stringToSign)
      .digest('hex');
    expect(signature).toBe(cvmWithAction.signature);
  });

  it('reproduces the derived TEO ModifyMultiPathGatewaySecretKey vector', () => {
    const signed = signTc3(
      asRequest(teo, { 'content-type': teo.contentType, host: teo.host }),
      teo.secretKey,
    );

    expect(signed.hashedPayload).toBe(teo.hashedRequestPayload);
    expect(signed.hashedCanonicalRequest).toBe(teo.hashedCanonicalRequest);
    expect(signed.signature).toBe(teo.signature);
  });
});

describe('what the function sends to TEO', () => {
  let standIn: TeoStandIn;
  beforeAll(async () => {
    standIn = await startTeoStandIn();
  });
  afterAll(() => standIn.close());
  afterEach(() => {
    vi.useRealTimers();
    standIn.requests.length = 0;
  });

  const freezeClockAt = (timestamp: number) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(timestamp * 1000);
  };

  it("carries exactly the TEO vector's body and Authorization, signed for service teo from a loopback endpoint", async () => {
    freezeClockAt(teo.timestamp);
    const endpoint = parseTeoEndpoint(standIn.url);
    if (typeof endpoint === 'string') throw new Error(endpoint);
    const gateway = createTencentCloudGateway(
      {
        endpoint,
        timeoutMs: 2000,
        credentials: { secretId: 'AKIDFAKEEXAMPLE', secretKey: teo.secretKey },
      },
      // The frozen Date, which the deadline below is read from too.
      { now: () => Date.now() },
    );

    const requestId = await gateway.writeSecretKey(
      'Modify',
      { zoneId: 'zone-27q0p0bal192', secretKey: 'b8sfnemqzF5TNCwwtshVmG/gyCJVi/rP+7A+jsBwqGY=' },
      Date.now() + 2000,
    );

    expect(requestId).toBe('req-1');
    const [sent] = standIn.requests;
    expect(sent?.body).toBe(teo.body);
    expect(sent?.headers['content-type']).toBe(teo.contentType);
    expect(sent?.headers['x-tc-action']).toBe(teo.action);
    expect(sent?.headers['x-tc-version']).toBe(teo.version);
    expect(sent?.headers['x-tc-timestamp']).toBe(String(teo.timestamp));
    expect(sent?.headers['x-tc-region']).toBeUndefined();
    expect(sent?.headers['user-agent'], 'sent by node-fetch, not the shipped transport').toBeUndefined();
    expect(sent?.headers.authorization).toBe(
      `TC3-HMAC-SHA256 Credential=AKIDFAKEEXAMPLE/${teo.date}/teo/tc3_request, SignedHeaders=${teo.signedHeaders}, Signature=${teo.signature}`,
    );
  });

  it('reproduces the official CVM vector through the same client, transport and signing code', async () => {
    freezeClockAt(cvm.timestamp);
    const port = new URL(standIn.url).port;
    const endpoint = { protocol: 'http:', host: `${cvm.host}:${port}`, dialAddress: '127.0.0.1' } as const;
    const client = new CommonClient(endpoint.host, cvm.version, {
      credential: { secretId: 'AKIDFAKEEXAMPLE', secretKey: cvm.secretKey },
      profile: { httpProfile: { protocol: 'http://', agent: agentFor(endpoint) } },
    });

    // A Buffer is signed and sent as it is, so the example's exact bytes (spaces, \u escapes) go out unchanged.
    await client.request(cvm.action, Buffer.from(cvm.body) as never, {
      headers: { 'Content-Type': cvm.contentType },
    });

    const authorization = parseTc3Authorization(String(standIn.requests[0]?.headers.authorization));
    expect(authorization).toEqual({
      secretId: 'AKIDFAKEEXAMPLE',
      date: cvm.date,
      service: 'cvm',
      signedHeaders: ['content-type', 'host'],
      signature: cvm.signature,
    });
    expect(standIn.requests[0]?.body).toBe(cvm.body);
  });
});
