// A loopback HTTP server standing in for TEO in tests: it records every request and answers as scripted.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export type ScriptedAnswer =
  | { readonly status?: number; readonly json: unknown; readonly delayMs?: number }
  | { readonly status?: number; readonly text: string }
  | { readonly drop: true };

export interface TeoStandIn {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Answers for the next requests, in order; after them, success with a fresh RequestId. */
  script(...answers: ScriptedAnswer[]): void;
  close(): Promise<void>;
}

export const teoError = (code: string, message = `${code} (stand-in)`, requestId = `req-error-${code}`) => ({
  json: { Response: { Error: { Code: code, Message: message }, RequestId: requestId } },
});

export async function startTeoStandIn(): Promise<TeoStandIn> {
  const requests: RecordedRequest[] = [];
  const queue: ScriptedAnswer[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    });
    const answer = queue.shift() ?? { json: { Response: { RequestId: `req-${requests.length}` } } };
    if ('drop' in answer) return void req.socket.destroy();
    if ('json' in answer && answer.delayMs)
      await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    const [type, body] =
      'json' in answer ? ['application/json', JSON.stringify(answer.json)] : ['text/html', answer.text];
    res.writeHead(answer.status ?? 200, { 'content-type': type }).end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...answers) => void queue.push(...answers),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
