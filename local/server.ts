// Serves a Lambda handler over real HTTP on loopback, as API Gateway's HTTP API (and AWS_IAM auth) would.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RotateHandler } from '#lib/rotate-handler.ts';
import { httpApiEvent } from './http-api-event.ts';
import { lambdaContextFor } from './lambda-context.ts';
import { type LocalAccessKey, verifySigV4 } from './sigv4-verifier.ts';

export interface LocalServer {
  readonly url: string;
  close(): Promise<void>;
}

/** As configured in serverless.yml. */
const LAMBDA_TIMEOUT_MS = 20_000;
/** The route with AWS_IAM auth in serverless.yml: API Gateway refuses an unsigned request there with 403. */
const IAM_ROUTE = '/iam/rotate';

/**
 * A request to the AWS_IAM route is verified as AWS would (refused with 403 before the function runs, or passed
 * on with the caller's ARN); any other request passes as through the HTTP API's unauthenticated route.
 */
export async function startLocalServer(
  handler: RotateHandler,
  { port, accessKeys }: { port: number; accessKeys: Readonly<Record<string, LocalAccessKey>> },
): Promise<LocalServer> {
  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    let iamPrincipal: string | undefined;
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === IAM_ROUTE) {
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
      );
      const verdict = verifySigV4(
        { method: request.method ?? 'GET', path: url.pathname, query: url.search.slice(1), headers, body },
        accessKeys,
        Date.now(),
        { services: ['execute-api'] },
      );
      if ('refused' in verdict) {
        response.writeHead(403, { 'content-type': 'application/json' }).end('{"Message":"Forbidden"}');
        return;
      }
      iamPrincipal = verdict.arn;
    }
    const event = httpApiEvent(request, body, iamPrincipal);
    try {
      const result = await handler(
        event,
        lambdaContextFor({ requestId: event.requestContext.requestId, remainingMs: LAMBDA_TIMEOUT_MS }),
      );
      response.writeHead(result.statusCode, result.headers).end(result.body);
    } catch {
      // What API Gateway answers when the function itself fails.
      response
        .writeHead(500, { 'content-type': 'application/json' })
        .end('{"message":"Internal Server Error"}');
    }
  });
  server.listen(port, '127.0.0.1');
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => Promise.reject(error)),
  ]);
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
