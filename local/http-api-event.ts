// An HTTP request as API Gateway's HTTP API delivers it to Lambda (payload format 2.0, a "$default" route).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RotateEvent } from '#lib/handlers/http/request.ts';

/** HTTP API passes these as text; any other body arrives base64-encoded. */
const TEXTUAL =
  /^(?:text\/|application\/(?:[\w.+-]*\+)?(?:json|xml|javascript)\b|application\/x-www-form-urlencoded\b)/i;

export function httpApiEvent(request: IncomingMessage, body: Buffer, iamPrincipal?: string): RotateEvent {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  // Repeated headers are joined with commas, names lower-cased, as the HTTP API does.
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = (request.rawHeaders[i] ?? '').toLowerCase();
    const value = request.rawHeaders[i + 1] ?? '';
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const now = new Date();
  const textual = TEXTUAL.test(headers['content-type'] ?? '');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      ...(iamPrincipal && { authorizer: { iam: { userArn: iamPrincipal } } }),
    },
    ...(body.byteLength > 0 && { body: body.toString(textual ? 'utf8' : 'base64') }),
    isBase64Encoded: body.byteLength > 0 && !textual,
  };
}
