// Reads the three event shapes AWS delivers (HTTP API payload 2.0, Function URL, REST API payload 1.0) into one.
// Anything else (a direct invoke with a hand-written event, say) is refused as InvalidEvent, never half-read.
import type {
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2WithRequestContext,
} from 'aws-lambda';
import { InvalidRequest } from '#lib/domain/errors.ts';
import { isJsonObject } from '#lib/domain/json-object.ts';

type RequestContextV2 = APIGatewayEventRequestContextV2 & {
  authorizer?: { iam?: { userArn?: string | null } };
};

/** Payload 2.0 (HTTP API, Function URL) or payload 1.0 (REST API). */
export type RotateEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2WithRequestContext<RequestContextV2>;

export interface HttpRequest {
  readonly method: string;
  /** The path as the API declares it, without any stage prefix. */
  readonly path: string;
  /** Lower-cased names; a repeated header's values joined with ",", exactly as payload 2.0 delivers them. */
  readonly headers: ReadonlyMap<string, string>;
  /** The exact bytes the caller sent: signatures are checked over these, never over a re-serialization. */
  readonly body: Buffer;
  /** The ARN AWS verified with SigV4, when the route uses AWS_IAM auth. */
  readonly iamPrincipal: string | undefined;
  /** For the audit line: as API Gateway saw them, cut to a bounded length. */
  readonly sourceIp: string | undefined;
  readonly userAgent: string | undefined;
}

/** How much of the caller-chosen User-Agent an audit line keeps. */
export const MAX_USER_AGENT_CHARS = 256;
const MAX_SOURCE_IP_CHARS = 64;

type Fields = Readonly<Record<string, unknown>>;

const malformed = (what: string) =>
  new InvalidRequest(
    'InvalidEvent',
    `The invocation is not an HTTP request from API Gateway or a Function URL: ${what}.`,
  );

/** A field the shape requires, of the type it requires. */
function required<T>(fields: Fields, name: string, is: (value: unknown) => value is T, what: string): T {
  const value = fields[name];
  if (!is(value)) throw malformed(`${name} ${what}`);
  return value;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const optionalText = (value: unknown, max: number) =>
  typeof value === 'string' && value !== '' ? value.slice(0, max) : undefined;

export function readHttpRequest(event: unknown): HttpRequest {
  if (!isJsonObject(event)) throw malformed('the event is not an object');
  const body = bodyOf(event);
  const context = required(event, 'requestContext', isJsonObject, 'must be an object');
  if ('httpMethod' in event) {
    const resource = required(event, 'resource', isString, 'must be a string');
    const identity = isJsonObject(context.identity) ? context.identity : {};
    const multiValueHeaders = event.multiValueHeaders ?? {};
    return {
      method: required(event, 'httpMethod', isString, 'must be a string'),
      // A greedy proxy resource ({proxy+}) says nothing about the path: use the one requested.
      path: resource.includes('{') ? required(event, 'path', isString, 'must be a string') : resource,
      // multiValueHeaders, when present, holds every value of a repeated header; headers only the last.
      headers: joinHeaders(
        isJsonObject(multiValueHeaders) && Object.keys(multiValueHeaders).length > 0
          ? multiValueHeaders
          : (event.headers ?? {}),
      ),
      body,
      iamPrincipal: identity.userArn === null ? undefined : optionalArn(identity.userArn),
      sourceIp: optionalText(identity.sourceIp, MAX_SOURCE_IP_CHARS),
      userAgent: optionalText(identity.userAgent, MAX_USER_AGENT_CHARS),
    };
  }
  const routeKey = required(event, 'routeKey', isString, 'must be a string');
  const http = required(context, 'http', isJsonObject, 'must be an object');
  const authorizer = isJsonObject(context.authorizer) ? context.authorizer : {};
  const iam = isJsonObject(authorizer.iam) ? authorizer.iam : {};
  // A named route ("POST /rotate") is what the API matched; "$default" (catch-all, Function URL), or a route with a
  // parameter ("GET /zones/{zoneId}"), leaves the raw path to read, without a named stage's prefix.
  const [routeMethod, routePath] = routeKey === '$default' ? [] : routeKey.split(' ');
  const stage = typeof context.stage === 'string' && context.stage !== '$default' ? `/${context.stage}` : '';
  const rawPath = () => {
    const path = required(event, 'rawPath', isString, 'must be a string');
    return stage !== '' && path.startsWith(`${stage}/`) ? path.slice(stage.length) : path;
  };
  return {
    method: routeMethod ?? required(http, 'method', isString, 'must be a string'),
    path: routePath === undefined || routePath.includes('{') ? rawPath() : routePath,
    headers: joinHeaders(event.headers ?? {}),
    body,
    iamPrincipal: iam.userArn === null ? undefined : optionalArn(iam.userArn),
    sourceIp: optionalText(http.sourceIp, MAX_SOURCE_IP_CHARS),
    userAgent: optionalText(http.userAgent, MAX_USER_AGENT_CHARS),
  };
}

function bodyOf(event: Fields): Buffer {
  const { body, isBase64Encoded } = event;
  if (body !== undefined && body !== null && typeof body !== 'string')
    throw malformed('body must be a string');
  if (isBase64Encoded !== undefined && typeof isBase64Encoded !== 'boolean') {
    throw malformed('isBase64Encoded must be a boolean');
  }
  return Buffer.from(body ?? '', isBase64Encoded ? 'base64' : undefined);
}

function optionalArn(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw malformed("the caller's ARN must be a string");
  return value;
}

/** Two spellings of one name ("Authorization", "authorization") are two deliveries of the same header. */
function joinHeaders(source: unknown): Map<string, string> {
  if (!isJsonObject(source)) throw malformed('headers must be an object');
  const joined = new Map<string, string>();
  for (const name in source) {
    const value = source[name];
    // Absent, or null as API Gateway writes it: no value.
    if (value == null) continue;
    const values = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(values) || !values.every(isString))
      throw malformed(`the header ${safeName(name)} is not text`);
    const key = name.toLowerCase();
    const text = values.join(',');
    const previous = joined.get(key);
    joined.set(key, previous === undefined ? text : `${previous},${text}`);
  }
  return joined;
}

/** A header name is caller input: quoted only when it is a plain token. */
const safeName = (name: string) => (/^[A-Za-z0-9-]{1,64}$/.test(name) ? `'${name}'` : 'with an unusual name');
