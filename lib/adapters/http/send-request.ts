// One outbound HTTP request over node:http(s), shared by every client the functions have (TEO, the AWS JSON
// client, the secrets managers' APIs): no redirect is ever followed, the answer is bounded, and the caller's
// signal ends it.
import type { Agent, ClientRequest, IncomingHttpHeaders } from 'node:http';
import { http, https } from '#lib/adapters/http/node-http.ts';

/** Every service answers in a few kilobytes; anything this large is not the service. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/** The service answered more than MAX_ANSWER_BYTES: not the service, or not an answer worth reading. */
export class AnswerTooLarge extends Error {
  override name = 'AnswerTooLarge';
}

export interface RawAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface OutboundRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Buffer | undefined;
  readonly agent?: Agent;
  readonly signal?: AbortSignal;
}

export function sendRequest(url: string | URL, init: OutboundRequest): Promise<RawAnswer> {
  const secure = (typeof url === 'string' ? url : url.href).startsWith('https:');
  const send = secure ? https().request : http.request;
  const { signal } = init;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      { method: init.method, headers: init.headers, ...(init.agent && { agent: init.agent }) },
      (response) => {
        const chunks: Buffer[] = [];
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.byteLength;
          if (received > MAX_ANSWER_BYTES) response.destroy(new AnswerTooLarge('answer larger than 1 MiB'));
          else chunks.push(chunk);
        });
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            statusText: response.statusMessage ?? '',
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    request.on('error', reject);
    if (signal) endWith(signal, request);
    request.end(init.body);
  });
}

/**
 * The request ends, with the signal's reason, when the signal aborts; already aborted, it is never sent. Wired here
 * rather than through node:http's own `signal` option, which costs about 25 µs more a request (BENCHMARKS.md); the
 * listener goes with the request, so a long-lived signal does not keep each request it served.
 */
function endWith(signal: AbortSignal, request: ClientRequest) {
  const abort = () => request.destroy(signal.reason);
  if (signal.aborted) return abort();
  signal.addEventListener('abort', abort);
  request.once('close', () => signal.removeEventListener('abort', abort));
}
