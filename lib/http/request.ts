// Reads the three event shapes AWS delivers (HTTP API payload 2.0, Function URL, REST API payload 1.0) into one.
import type {
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2WithRequestContext,
} from 'aws-lambda';

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
  /** The ARN AWS verified with SigV4, when the route or Function URL uses AWS_IAM auth. */
  readonly iamPrincipal: string | undefined;
}

export function readHttpRequest(event: RotateEvent): HttpRequest {
  const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  if ('httpMethod' in event) {
    return {
      method: event.httpMethod,
      // A greedy proxy resource ({proxy+}) says nothing about the path: use the one requested.
      path: event.resource.includes('{') ? event.path : event.resource,
      // multiValueHeaders, when present, holds every value of a repeated header; headers only the last.
      headers: joinHeaders(
        Object.keys(event.multiValueHeaders ?? {}).length > 0
          ? event.multiValueHeaders
          : (event.headers ?? {}),
      ),
      body,
      iamPrincipal: event.requestContext.identity?.userArn ?? undefined,
    };
  }
  // A named route ("POST /rotate") is what the API matched; "$default" (catch-all, Function URL) leaves the raw path.
  const [routeMethod, routePath] = event.routeKey === '$default' ? [] : event.routeKey.split(' ');
  return {
    method: routeMethod ?? event.requestContext.http.method,
    path: routePath ?? event.rawPath,
    headers: joinHeaders(event.headers ?? {}),
    body,
    iamPrincipal: event.requestContext.authorizer?.iam?.userArn ?? undefined,
  };
}

type HeaderValues = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Two spellings of one name ("Authorization", "authorization") are two deliveries of the same header. */
function joinHeaders(source: HeaderValues): Map<string, string> {
  const joined = new Map<string, string>();
  for (const name in source) {
    const value = source[name];
    if (value === undefined || value === null) continue;
    const key = name.toLowerCase();
    const text = typeof value === 'string' ? value : value.join(',');
    const previous = joined.get(key);
    joined.set(key, previous === undefined ? text : `${previous},${text}`);
  }
  return joined;
}
