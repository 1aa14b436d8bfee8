// Serves a Lambda handler over real HTTP on loopback, as API Gateway's HTTP API (and its AWS_IAM route) would. It
// is reachable from every process and web page on this machine, so it refuses what API Gateway would never let
// through: another Host (a DNS-rebinding page), a cross-site Origin, an oversized body; and it outlives bad clients.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RotateHandler } from '#lib/handlers/rotate/handler.ts';
import { httpApiEvent } from './http-api-event.ts';
import { lambdaContextFor } from './lambda-context.ts';
import { type LocalAccessKey, verifySigV4 } from './sigv4-verifier.ts';

export interface LocalServer {
  readonly url: string;
  close(): Promise<void>;
}

export interface LocalServerOptions {
  readonly port: number;
  /** The sync function, served at /sync/* as its HTTP API routes are (serverless.yml). */
  readonly sync?: RotateHandler;
  readonly accessKeys: Readonly<Record<string, LocalAccessKey>>;
  /** The region IAM callers must sign for, as the deployed API's own region. */
  readonly region: string;
}

/** As configured in serverless.yml. */
const LAMBDA_TIMEOUT_MS = 20_000;
/** The routes with AWS_IAM auth in serverless.yml (/iam/rotate, /iam/zones/{zoneId}): API Gateway refuses an unsigned request there with 403. */
const IAM_ROUTES = /^\/iam\//;
/** API Gateway's HTTP API payload limit. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

class Refused extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The body, or Refused once it passes the limit; a client that goes away mid-body rejects, and is let go. */
async function readBody(request: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of request) {
    received += (chunk as Buffer).byteLength;
    if (received > MAX_BODY_BYTES) throw new Refused(413, 'Request Entity Too Large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * A request to an AWS_IAM route is verified as AWS would (refused with 403 before the function runs, or passed
 * on with the caller's ARN); any other request passes as through the HTTP API's unauthenticated route.
 */
export async function startLocalServer(
  handler: RotateHandler,
  { port, accessKeys, region, sync }: LocalServerOptions,
): Promise<LocalServer> {
  let origins: readonly string[] = [];

  async function serve(
    request: http.IncomingMessage,
  ): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    const host = request.headers.host ?? '';
    if (!origins.some((origin) => origin === `http://${host}`)) throw new Refused(421, 'Misdirected Request');
    const origin = request.headers.origin;
    if (origin !== undefined && !origins.includes(origin)) throw new Refused(403, 'Forbidden');
    const body = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://localhost');
    let iamPrincipal: string | undefined;
    if (IAM_ROUTES.test(url.pathname)) {
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
      );
      const verdict = verifySigV4(
        { method: request.method ?? 'GET', path: url.pathname, query: url.search.slice(1), headers, body },
        accessKeys,
        Date.now(),
        { services: ['execute-api'], region },
      );
      if ('refused' in verdict) throw new Refused(403, 'Forbidden');
      iamPrincipal = verdict.arn;
    }
    const event = httpApiEvent(request, body, iamPrincipal);
    const target = sync !== undefined && url.pathname.startsWith('/sync/') ? sync : handler;
    try {
      const result = await target(
        event,
        lambdaContextFor({ requestId: event.requestContext.requestId, remainingMs: LAMBDA_TIMEOUT_MS }),
      );
      return { status: result.statusCode, headers: { ...result.headers }, body: result.body };
    } catch {
      // What API Gateway answers when the function itself fails.
      throw new Refused(500, 'Internal Server Error');
    }
  }

  const server = http.createServer(async (request, response) => {
    try {
      const { status, headers, body } = await serve(request);
      response.writeHead(status, headers).end(body);
    } catch (error) {
      // API Gateway's own answers have this shape; a client that went away gets nothing, and nothing else stops.
      if (!(error instanceof Refused) || response.destroyed) return void request.socket.destroy();
      response
        .writeHead(error.status, { 'content-type': 'application/json', connection: 'close' })
        .end(JSON.stringify({ message: error.message }));
      if (error.status === 413) request.destroy();
    }
  });
  server.listen(port, '127.0.0.1');
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => Promise.reject(error)),
  ]);
  const address = server.address() as AddressInfo;
  origins = [`http://127.0.0.1:${address.port}`, `http://localhost:${address.port}`];
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
