// The local server and the emulator are reachable from every process and web page on the machine: they refuse
// what API Gateway and TEO would, and one bad client never stops them.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTc3 } from '../emulator/tc3-signature.ts';
import { DEMO_TENCENT, LOCAL_ACCESS_KEYS, LOCAL_TOKEN } from '../local/demo-setup.ts';
import { MAX_BODY_BYTES } from '../local/server.ts';
import { captureOutput } from './support/captured-output.ts';
import { LOCAL_REGION, type LocalStack, rotator, startLocalStack } from './support/local-stack.ts';

let stack: LocalStack;
const output = captureOutput();
beforeAll(async () => {
  stack = await startLocalStack();
});
afterAll(async () => {
  output.restore();
  await stack.close();
});

const ZONE = 'zone-27q0p0bal192';
const [ACCESS_KEY_ID = '', ACCESS_KEY] = Object.entries(LOCAL_ACCESS_KEYS)[0] ?? [];

/** A raw HTTP/1.1 exchange, so that Host, bodies and aborts are exactly as a hostile client makes them. */
async function raw(url: string, request: string | Buffer, { abortAfterWrite = false } = {}) {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  socket.write(request);
  // A client that goes away mid-body: its end of the connection closes, and the answer is over when the server has
  // closed the other, so what follows meets a server that has dealt with the abort (no pause to wait for it).
  if (abortAfterWrite) socket.end();
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await Promise.race([once(socket, 'end'), once(socket, 'close')]);
  return Buffer.concat(chunks).toString();
}

/** The local server still rotates for a legitimate caller. */
async function stillServes() {
  const response = await fetch(`${stack.server.url}/rotate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${LOCAL_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ZoneId: ZONE, SecretKey: randomBytes(32).toString('base64') }),
  });
  return response.status;
}

describe('the local server', () => {
  it.each(['rebinding.example.com', 'localhost.evil.example:3000', '127.0.0.1'])(
    'refuses the Host %s (a DNS-rebinding page would send it) with 421, before the function',
    async (host) => {
      const answer = await raw(
        stack.server.url,
        `POST /rotate HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${LOCAL_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
      );

      expect(answer).toMatch(/^HTTP\/1\.1 421 /);
      expect(answer).toContain('{"message":"Misdirected Request"}');
    },
  );

  it('refuses a cross-site Origin with 403', async () => {
    const response = await fetch(`${stack.server.url}/rotate`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', authorization: `Bearer ${LOCAL_TOKEN}` },
      body: '{}',
    });

    expect(response.status).toBe(403);
  });

  it('serves its own origin, by address or as localhost', async () => {
    const { port } = new URL(stack.server.url);
    const answer = await raw(
      stack.server.url,
      `POST /nowhere HTTP/1.1\r\nHost: localhost:${port}\r\nOrigin: http://localhost:${port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );

    expect(answer).toMatch(/^HTTP\/1\.1 404 /);
  });

  it('refuses a body over API Gateway’s 10 MiB with 413, without holding it', async () => {
    const { port } = new URL(stack.server.url);
    const answer = await raw(
      stack.server.url,
      Buffer.concat([
        Buffer.from(
          `POST /rotate HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n`,
        ),
        Buffer.alloc(MAX_BODY_BYTES + 1, 0x20),
      ]),
    );

    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(await stillServes()).toBe(200);
  });

  it('goes on serving after a client aborts mid-body', async () => {
    const { port } = new URL(stack.server.url);
    await raw(
      stack.server.url,
      `POST /rotate HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 1000\r\n\r\n{"ZoneId":`,
      { abortAfterWrite: true },
    );

    expect(await stillServes()).toBe(200);
  });

  it.each(['/iam/rotate?x=%E0%A4%A', '/iam/%E0%A4%A/rotate'])(
    'answers a SigV4 request with a malformed escape in %s with 403, and goes on serving',
    async (path) => {
      const { port } = new URL(stack.server.url);
      const answer = await raw(
        stack.server.url,
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/20261128/${LOCAL_REGION}/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}\r\nX-Amz-Date: 20261128T000000Z\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      );

      expect(answer).toMatch(/^HTTP\/1\.1 (403|404) /);
      expect(await stillServes()).toBe(200);
    },
  );

  it.each([
    ['another region', { AWS_REGION: 'us-west-2' }],
    ['the default region, when this server stands for another', {}],
  ])('refuses an IAM caller signing for %s', async (_, env) => {
    const result = await rotator(
      ['rotate', '--url', stack.server.url, '--zone', ZONE, '--generate', '--aws-iam'],
      {
        AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: ACCESS_KEY?.secretAccessKey ?? '',
        ...env,
      },
    );

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: HTTP 403: Forbidden');
  });
});

describe('the emulator', () => {
  const signed = (body: string) => {
    const { port } = new URL(stack.emulator.url);
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = { 'content-type': 'application/json', host: 'teo.intl.tencentcloudapi.com' };
    const signature = signTc3(
      {
        method: 'POST',
        path: '/',
        query: '',
        headers,
        signedHeaders: ['content-type', 'host'],
        body,
        timestamp,
        service: 'teo',
      },
      DEMO_TENCENT.secretKey,
    );
    return [
      'POST / HTTP/1.1',
      `Host: teo.intl.tencentcloudapi.com:${port}`,
      'Content-Type: application/json',
      `Authorization: TC3-HMAC-SHA256 Credential=${DEMO_TENCENT.secretId}/${signature.credentialScope}, SignedHeaders=content-type;host, Signature=${signature.signature}`,
      'X-TC-Action: ModifyMultiPathGatewaySecretKey',
      'X-TC-Version: 2022-09-01',
      `X-TC-Timestamp: ${timestamp}`,
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
      '',
      body,
    ].join('\r\n');
  };

  it.each(['null', '[]', '"zone"', '12'])(
    'answers a signed %s body with InvalidParameter, and goes on',
    async (body) => {
      const answer = await raw(stack.emulator.url, signed(body));

      expect(answer).toContain('"Code":"InvalidParameter"');
      expect(answer).toContain('The body must be a JSON object.');
      expect(await stillServes()).toBe(200);
    },
  );

  it('goes on serving after a client aborts mid-body', async () => {
    await raw(stack.emulator.url, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"Zone', {
      abortAfterWrite: true,
    });

    expect(await stillServes()).toBe(200);
  });

  it('says which service it expects when a client signs for another', async () => {
    const { port } = new URL(stack.emulator.url);
    const answer = await raw(
      stack.emulator.url,
      signed('{}')
        .replace('/teo/tc3_request', '/127/tc3_request')
        .replace(`Host: teo.intl.tencentcloudapi.com:${port}`, `Host: 127.0.0.1:${port}`),
    );

    expect(answer).toContain(
      'The credential scope names the service 127, but requests here must be signed for teo.',
    );
  });
});
