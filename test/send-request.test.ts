// The one outbound request every client uses: a redirect is an answer, not followed; an answer over 1 MiB fails.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ANSWER_BYTES, sendRequest } from '#lib/outbound/send-request.ts';

let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((request, response) => {
    if (request.url === '/large') response.end(Buffer.alloc(MAX_ANSWER_BYTES + 1, 'a'));
    else if (request.url === '/limit') response.end(Buffer.alloc(MAX_ANSWER_BYTES, 'a'));
    else if (request.url === '/cut') {
      response.writeHead(200, { 'content-length': '100' }).write('partial', () => response.socket?.destroy());
    } else response.writeHead(302, { location: 'http://127.0.0.1:9/stolen' }).end('moved');
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((closed) => server.close(closed)));

describe('sendRequest', () => {
  it('fails on an answer larger than 1 MiB and takes one of exactly 1 MiB', async () => {
    await expect(sendRequest(`${base}/large`, { method: 'GET', headers: {} })).rejects.toMatchObject({
      name: 'AnswerTooLarge',
      message: 'answer larger than 1 MiB',
    });
    const limit = await sendRequest(`${base}/limit`, { method: 'GET', headers: {} });
    expect(limit.body).toHaveLength(MAX_ANSWER_BYTES);
  });

  it('returns a redirect as the answer, never following it', async () => {
    const answer = await sendRequest(new URL(`${base}/moved`), { method: 'POST', headers: {}, body: 'x' });

    expect(answer).toMatchObject({ status: 302, statusText: 'Found', body: 'moved' });
    expect(answer.headers.location).toBe('http://127.0.0.1:9/stolen');
  });

  it('fails when the connection breaks in the middle of the answer', async () => {
    await expect(sendRequest(`${base}/cut`, { method: 'GET', headers: {} })).rejects.toMatchObject({
      code: 'ECONNRESET',
    });
  });

  it.each([
    ['text', (url: string) => url],
    ['a URL', (url: string) => new URL(url)],
  ])(
    'speaks TLS to an https:// address given as %s: a plain-HTTP server there fails the handshake',
    async (_, as) => {
      const secure = base.replace('http:', 'https:');

      await expect(sendRequest(as(`${secure}/limit`), { method: 'GET', headers: {} })).rejects.toMatchObject({
        code: expect.stringMatching(/^(?:EPROTO|ERR_SSL_)/),
      });
    },
  );
});
