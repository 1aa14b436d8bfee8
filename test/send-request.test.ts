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
    else response.writeHead(302, { location: 'http://127.0.0.1:9/stolen' }).end('moved');
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
});
