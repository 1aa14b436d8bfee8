// What the function serves, by method and path: docs/contract.md §2 and §7. IAM callers reach each operation under
// /iam, the HTTP API's routes with AWS_IAM auth (serverless.yml).
import { MethodNotAllowed, RouteNotFound } from '#lib/domain/errors.ts';
import type { HttpRequest } from '#lib/handlers/http/request.ts';

export type Route =
  | { readonly operation: 'rotate' }
  /** The zone id as it appears in the path: validated after authentication, like any other input. */
  | { readonly operation: 'zone-status'; readonly zoneId: string };

/** Each path is served by one method. */
const ROUTES: readonly {
  readonly method: string;
  readonly path: RegExp;
  readonly route: (match: RegExpExecArray) => Route;
}[] = [
  { method: 'POST', path: /^\/(?:iam\/)?rotate$/, route: () => ({ operation: 'rotate' }) },
  {
    method: 'GET',
    path: /^\/(?:iam\/)?zones\/([^/]*)$/,
    // The group always takes part in a match: the default is for the type checker.
    route: ([, zoneId = '']) => ({ operation: 'zone-status', zoneId }),
  },
];

export function routeOf({ method, path }: HttpRequest): Route {
  for (const served of ROUTES) {
    const match = served.path.exec(path);
    if (match === null) continue;
    if (method !== served.method) {
      throw new MethodNotAllowed(`This path accepts only ${served.method}.`, served.method);
    }
    return served.route(match);
  }
  throw new RouteNotFound('Nothing is served at this path; see POST /rotate and GET /zones/{ZoneId}.');
}
