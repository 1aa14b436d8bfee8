// Real AWS event shapes (test/fixtures/events), cloned per test and changed only where a test says so.
import { readFileSync } from 'node:fs';
import type { RotateEvent } from '#lib/handlers/http/request.ts';
import { lambdaContextFor } from '../../local/lambda-context.ts';

export const SOURCES = ['http-api-v2', 'function-url', 'rest-api-v1'] as const;
/** The HTTP API route with AWS_IAM auth (POST /iam/rotate): AWS verified the SigV4 signature and names the caller. */
export const IAM_HTTP_API = 'http-api-v2-iam';
export type EventSource = (typeof SOURCES)[number] | typeof IAM_HTTP_API;

const fixtures = Object.fromEntries(
  [...SOURCES, IAM_HTTP_API].map((source) => [
    source,
    readFileSync(new URL(`../fixtures/events/${source}.json`, import.meta.url), 'utf8'),
  ]),
) as Record<EventSource, string>;

export interface EventChanges {
  readonly body?: string | null;
  readonly base64?: boolean;
  /** Added to the fixture's headers; `undefined` removes one. Names as the caller wrote them. */
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly method?: string;
  readonly path?: string;
  /** The caller ARN AWS reports after verifying SigV4 (HTTP API or REST API with AWS_IAM auth). */
  readonly iamPrincipal?: string;
}

/** The fixture fields tests change, in either payload version. */
interface FixtureEvent {
  body: string | null;
  isBase64Encoded: boolean;
  headers: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  httpMethod?: string | undefined;
  resource?: string | undefined;
  path?: string | undefined;
  rawPath?: string | undefined;
  routeKey?: string | undefined;
  requestContext: {
    http?: { method: string; path: string };
    routeKey?: string;
    authorizer?: { iam: { userArn: string } };
    identity?: { userArn: string | null };
  };
}

export function rotateEvent(source: EventSource, changes: EventChanges = {}): RotateEvent {
  const event: FixtureEvent = JSON.parse(fixtures[source]);
  if (changes.body !== undefined) event.body = changes.body;
  if (changes.base64) {
    event.body = Buffer.from(event.body ?? '').toString('base64');
    event.isBase64Encoded = true;
  }
  for (const [name, value] of Object.entries(changes.headers ?? {})) setHeader(source, event, name, value);
  if (changes.method !== undefined || changes.path !== undefined) route(source, event, changes);
  if (changes.iamPrincipal !== undefined) {
    if (event.requestContext.identity) event.requestContext.identity.userArn = changes.iamPrincipal;
    else
      event.requestContext.authorizer = {
        iam: { ...event.requestContext.authorizer?.iam, userArn: changes.iamPrincipal },
      };
  }
  return event as unknown as RotateEvent;
}

/** Payload 2.0 delivers lower-cased names; payload 1.0 keeps the caller's spelling, in both header maps. */
function setHeader(source: EventSource, event: FixtureEvent, name: string, value: string | undefined) {
  const key = source === 'rest-api-v1' ? name : name.toLowerCase();
  const maps: Record<string, string | string[]>[] = [event.headers];
  if (source === 'rest-api-v1' && event.multiValueHeaders) maps.push(event.multiValueHeaders);
  for (const map of maps) {
    for (const existing of Object.keys(map)) {
      if (existing.toLowerCase() === name.toLowerCase()) delete map[existing];
    }
    if (value !== undefined) map[key] = map === event.multiValueHeaders ? [value] : value;
  }
}

function route(source: EventSource, event: FixtureEvent, { method, path }: EventChanges) {
  if (source === 'rest-api-v1') {
    event.httpMethod = method ?? event.httpMethod;
    event.resource = path ?? event.resource;
    event.path = path ?? event.path;
    return;
  }
  const http = event.requestContext.http ?? { method: 'POST', path: '/rotate' };
  http.method = method ?? http.method;
  http.path = path ?? http.path;
  event.requestContext.http = http;
  event.rawPath = http.path;
  // An HTTP API route other than POST /rotate does not exist: such requests only reach the function through a
  // catch-all route or a Function URL, both of which deliver "$default".
  event.routeKey = '$default';
  event.requestContext.routeKey = '$default';
}

/** The invocation every handler test runs as; its request id is the one audit lines are checked for. */
export const lambdaContext = (remainingMs = 30_000) =>
  lambdaContextFor({ requestId: 'c0ffee00-0000-4000-8000-000000000001', remainingMs });
