// What the stand-in servers do alike: read a request whole, and listen on loopback at a free port, to be closed
// with every connection it holds.
import { once } from 'node:events';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The request's body and its headers as text. */
export async function readRequest(request: http.IncomingMessage) {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
  );
  return { body: Buffer.concat(chunks), headers };
}

export async function listenOnLoopback(server: http.Server) {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
