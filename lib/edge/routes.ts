// What the function serves, by method and path: docs/contract.md §2 and §7. IAM callers reach each operation under
// /iam, the HTTP API's routes with AWS_IAM auth (serverless.yml).
import { MethodNotAllowed, RouteNotFound } from '#lib/domain/errors.ts';
import type { HttpRequest } from '#lib/edge/request.ts';

export type Route =
  | { readonly operation: 'rotate' }
  /** The zone id as it appears in the path: validated after authentication, like any other input. */
  | { readonly operation: 'zone-status'; readonly zoneId: string };

const ROUTES: readonly {
  readonly method: string;
  readonly path: RegExp;
  readonly route: (id: string) => Route;
}[] = [
  { method: 'POST', path: /^\/(?:iam\/)?rotate$/, route: () => ({ operation: 'rotate' }) },
  {
    method: 'GET',
    path: /^\/(?:iam\/)?zones\/([^/]*)$/,
    route: (zoneId) => ({ operation: 'zone-status', zoneId }),
  },
];

export function routeOf({ method, path }: HttpRequest): Route {
  const served = ROUTES.filter((candidate) => candidate.path.test(path));
  if (served.length === 0) {
    throw new RouteNotFound('Nothing is served at this path; see POST /rotate and GET /zones/{ZoneId}.');
  }
  const match = served.find((candidate) => candidate.method === method);
  if (match === undefined) {
    const allow = served.map((candidate) => candidate.method).join(', ');
    throw new MethodNotAllowed(`This path accepts only ${allow}.`, allow);
  }
  return match.route(match.path.exec(path)?.[1] ?? '');
}
