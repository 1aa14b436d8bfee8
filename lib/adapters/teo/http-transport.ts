// The Tencent SDK's HTTP layer: bundles and tests alias `node-fetch` to this file. It does the one thing the SDK
// asks of node-fetch (one request, a status, headers and a JSON body) with node:http, which Node 24 already has
// loaded, instead of node-fetch's URL and MIME tables; and it honours the `agent` that dials the emulator.

import type { Agent } from 'node:http';
import { type RawAnswer, sendRequest } from '#lib/adapters/http/send-request.ts';
import { TeoUnreachable } from '#lib/domain/teo-errors.ts';

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

export default async function fetch(url: string, init: TransportInit = {}): Promise<TransportResponse> {
  const headers = Object.fromEntries(
    Object.entries(init.headers ?? {}).flatMap(([name, value]) =>
      value === undefined ? [] : [[name, String(value)]],
    ),
  );
  return answer(
    await sendRequest(url, {
      method: init.method ?? 'GET',
      headers,
      body: init.body,
      ...(init.agent && { agent: init.agent }),
      ...(init.signal && { signal: init.signal }),
    }),
  );
}

function answer({ status, statusText, headers, body: text }: RawAnswer): TransportResponse {
  return {
    status,
    statusText,
    // node:http never hands over an interim (1xx) answer: every status here is 200 or more.
    ok: status < 300,
    headers: { get: (name) => [headers[name.toLowerCase()] ?? null].flat().join(', ') || null },
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
          'unknown',
        );
      }
      if (typeof document !== 'object' || document === null || !('Response' in document)) {
        throw new TeoUnreachable(
          'malformed-answer',
          `TEO answered HTTP ${status} without a Response object`,
          'unknown',
        );
      }
      return document;
    },
  };
}
