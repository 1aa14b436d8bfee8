// The one outbound request every client uses: a redirect is an answer, not followed; an answer over 1 MiB fails;
// the caller's signal ends it.
import { getEventListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ANSWER_BYTES, sendRequest } from '#lib/adapters/http/send-request.ts';

let server: http.Server;
let base: string;
/** Requests to /hang, which is never answered. */
const hanging: http.IncomingMessage[] = [];
let hangArrived: () => void = () => undefined;
beforeAll(async () => {
  server = http.createServer((request, response) => {
    if (request.url === '/hang') {
      hanging.push(request);
      hangArrived();
    } else if (request.url === '/large') response.end(Buffer.alloc(MAX_ANSWER_BYTES + 1, 'a'));
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

  describe('with a signal', () => {
    it('ends the request with the reason when the signal aborts while the service is silent', async () => {
      const controller = new AbortController();
      const arrived = new Promise<void>((resolve) => {
        hangArrived = resolve;
      });
      const answer = sendRequest(`${base}/hang`, { method: 'GET', headers: {}, signal: controller.signal });
      await arrived;

      controller.abort(new DOMException('too slow', 'TimeoutError'));

      await expect(answer).rejects.toMatchObject({ name: 'TimeoutError', message: 'too slow' });
    });

    it('sends nothing when the signal has already aborted', async () => {
      const before = hanging.length;

      await expect(
        sendRequest(`${base}/hang`, { method: 'GET', headers: {}, signal: AbortSignal.abort('gone') }),
      ).rejects.toBe('gone');
      // A request that did leave would reach the server before a second one does.
      await sendRequest(`${base}/limit`, { method: 'GET', headers: {} });
      expect(hanging).toHaveLength(before);
    });

    it('leaves no listener on the signal once the request is over, answered or failed', async () => {
      const { signal } = new AbortController();

      await sendRequest(`${base}/limit`, { method: 'GET', headers: {}, signal });
      await expect(sendRequest(`${base}/cut`, { method: 'GET', headers: {}, signal })).rejects.toThrow();

      expect(getEventListeners(signal, 'abort')).toEqual([]);
    });
  });
});
