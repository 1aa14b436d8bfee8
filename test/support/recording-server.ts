// A loopback HTTP server that records each request whole (method, path, headers, body) and answers as told.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** Which connection carried it, numbered from 1 in the order they were opened: keep-alive shows as repeats. */
  readonly connection: number;
}

export interface RecordingServer {
  readonly base: string;
  /** Every request so far, in order; tests may empty it. */
  readonly seen: RecordedRequest[];
  close(): Promise<void>;
}

export async function startRecordingServer(
  answer: (request: RecordedRequest, response: http.ServerResponse) => void | Promise<void>,
): Promise<RecordingServer> {
  const seen: RecordedRequest[] = [];
  const connections = new WeakMap<object, number>();
  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const recorded = {
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      body: Buffer.concat(chunks).toString(),
      connection: connections.get(request.socket) ?? 0,
    };
    seen.push(recorded);
    await answer(recorded, response);
  });
  let opened = 0;
  server.on('connection', (socket) => {
    opened += 1;
    connections.set(socket, opened);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    // Connections still open (a keep-alive agent, an answer held back) would keep the server from closing.
    close: () =>
      new Promise((closed) => {
        server.close(() => closed());
        server.closeAllConnections();
      }),
  };
}
