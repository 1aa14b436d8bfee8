// The Tencent SDK's HTTP layer: bundles and tests alias `node-fetch` to this file. It does the one thing the SDK
// asks of node-fetch (one request, a status, headers and a JSON body) with node:http, which Node 24 already has
// loaded, instead of node-fetch's URL and MIME tables; and it honours the `agent` that dials the emulator.

import type { Agent, IncomingMessage } from 'node:http';
import { TeoUnreachable } from '#lib/teo/errors.ts';
import { http, https } from '#lib/teo/node-http.ts';

interface TransportInit {
  method?: string;
  headers?: Record<string, string | number | undefined>;
  body?: string | Buffer;
  agent?: Agent;
  /** The deadline: the gateway always passes one, so node-fetch's `timeout` option is not needed. */
  signal?: AbortSignal;
}

export interface TransportResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/** TEO's answers are a few hundred bytes; anything this large is not TEO. */
const MAX_ANSWER_BYTES = 1024 * 1024;

export default function fetch(url: string, init: TransportInit = {}): Promise<TransportResponse> {
  const send = url.startsWith('https:') ? https.request : http.request;
  const headers = Object.fromEntries(
    Object.entries(init.headers ?? {}).flatMap(([name, value]) =>
      value === undefined ? [] : [[name, String(value)]],
    ),
  );
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: init.method ?? 'GET',
        headers,
        ...(init.agent && { agent: init.agent }),
        ...(init.signal && { signal: init.signal }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.byteLength;
          if (received > MAX_ANSWER_BYTES) response.destroy(new Error('answer larger than 1 MiB'));
          else chunks.push(chunk);
        });
        response.on('error', reject);
        response.on('end', () => resolve(answer(response, Buffer.concat(chunks).toString('utf8'))));
      },
    );
    request.on('error', reject);
    request.end(init.body);
  });
}

function answer(response: IncomingMessage, text: string): TransportResponse {
  const status = response.statusCode ?? 0;
  return {
    status,
    statusText: response.statusMessage ?? '',
    ok: status >= 200 && status < 300,
    headers: { get: (name) => [response.headers[name.toLowerCase()] ?? null].flat().join(', ') || null },
    text: async () => text,
    // The SDK reads `.Response` of whatever this returns, outside its own error handling: an answer that is not
    // TEO's envelope is reported here, as what it is.
    json: async () => {
      let document: unknown;
      try {
        document = JSON.parse(text);
      } catch {
        throw new TeoUnreachable(
          'malformed-answer',
          `TEO answered HTTP ${status} with a body that is not JSON`,
        );
      }
      if (typeof document !== 'object' || document === null || !('Response' in document)) {
        throw new TeoUnreachable('malformed-answer', `TEO answered HTTP ${status} without a Response object`);
      }
      return document;
    },
  };
}
