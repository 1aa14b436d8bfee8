// lib/adapters/teo/http-transport.ts: the node-fetch the Tencent SDK is given. It must send what the SDK asks, report the
// answer as node-fetch would, and turn an answer that is not TEO's envelope into a malformed-answer failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fetch from '#lib/adapters/teo/http-transport.ts';
import { type RecordingServer, startRecordingServer } from './support/recording-server.ts';

let server: RecordingServer;
let base: string;

/** Answers as the path says: /status/<code>, /cookies, /text/<body>, else echoes the request as TEO's envelope. */
beforeAll(async () => {
  server = await startRecordingServer(({ url, body }, response) => {
    const [, kind, value = ''] = url.split('/');
    if (kind === 'status') response.writeHead(Number(value)).end('{"Response":{}}');
    else if (kind === 'cookies') response.writeHead(200, { 'set-cookie': ['a=1', 'b=2'] }).end('{}');
    else if (kind === 'text') response.writeHead(200).end(decodeURIComponent(value));
    else response.writeHead(200, { 'X-Answer': 'yes' }).end(JSON.stringify({ Response: { body } }));
  });
  base = server.base;
});
afterAll(() => server.close());

const received = () => {
  const [only, ...others] = server.seen.splice(0);
  expect(others).toEqual([]);
  return only;
};

describe('the SDK transport', () => {
  it('sends the method, the headers it has values for, and the body', async () => {
    await fetch(`${base}/`, {
      method: 'POST',
      headers: {
        'X-TC-Action': 'ModifyMultiPathGatewaySecretKey',
        'X-TC-Timestamp': 1700000000,
        'X-TC-Token': undefined,
      },
      body: '{"ZoneId":"zone-1"}',
    });

    const request = received();
    expect(request?.method).toBe('POST');
    expect(request?.headers['x-tc-action']).toBe('ModifyMultiPathGatewaySecretKey');
    expect(request?.headers['x-tc-timestamp']).toBe('1700000000');
    expect(request?.headers).not.toHaveProperty('x-tc-token');
    expect(request?.body).toBe('{"ZoneId":"zone-1"}');
  });

  it('sends a GET with no body when the SDK gives neither', async () => {
    await fetch(`${base}/`);

    const request = received();
    expect(request?.method).toBe('GET');
    expect(request?.headers).not.toHaveProperty('content-length');
    expect(request?.headers).not.toHaveProperty('transfer-encoding');
    expect(request?.body).toBe('');
  });

  it.each([
    [200, true],
    [204, true],
    [299, true],
    [300, false],
    [500, false],
  ])('calls HTTP %i ok: %s', async (status, ok) => {
    const response = await fetch(`${base}/status/${status}`);
    received();

    expect(response.status).toBe(status);
    expect(response.ok).toBe(ok);
  });

  it('reads headers by any case, joins repeated ones, and gives null for an absent one', async () => {
    const answer = await fetch(`${base}/`);
    const cookies = await fetch(`${base}/cookies`);
    server.seen.length = 0;

    expect(answer.headers.get('x-answer')).toBe('yes');
    expect(answer.headers.get('X-Answer')).toBe('yes');
    expect(answer.headers.get('x-absent')).toBeNull();
    expect(cookies.headers.get('Set-Cookie')).toBe('a=1, b=2');
  });

  it('gives the body as text, and as TEO’s envelope', async () => {
    const response = await fetch(`${base}/`, { method: 'POST', body: 'hello' });
    received();

    expect(response.statusText).toBe('OK');
    expect(await response.text()).toBe('{"Response":{"body":"hello"}}');
    expect(await response.json()).toEqual({ Response: { body: 'hello' } });
  });

  it.each([
    ['not JSON', '<html>', 'TEO answered HTTP 200 with a body that is not JSON'],
    ['JSON null', 'null', 'TEO answered HTTP 200 without a Response object'],
    ['a JSON string', '"Response"', 'TEO answered HTTP 200 without a Response object'],
    ['an object without Response', '{"Error":{}}', 'TEO answered HTTP 200 without a Response object'],
  ])('reports %s as a malformed answer, quoting none of it', async (_, body, message) => {
    const response = await fetch(`${base}/text/${encodeURIComponent(body)}`);
    received();

    await expect(response.json()).rejects.toMatchObject({
      name: 'TeoUnreachable',
      reason: 'malformed-answer',
      keyState: 'unknown',
      message,
    });
  });
});
