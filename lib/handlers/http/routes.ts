// What each function serves, by method and path: docs/contract.md §2, §7 and §8, in one router. IAM callers reach
// each rotate operation under /iam, the HTTP API's routes with AWS_IAM auth (serverless.yml).
import { MethodNotAllowed, RouteNotFound } from '#lib/domain/errors.ts';
import type { HttpRequest } from '#lib/handlers/http/request.ts';

export type RotateRoute =
  | { readonly operation: 'rotate' }
  /** The zone id as it appears in the path: validated after authentication, like any other input. */
  | { readonly operation: 'zone-status'; readonly zoneId: string };

/** A secrets manager's change notification (sync's one operation): who sends it. */
export type SyncRoute = { readonly sender: 'doppler' | 'infisical' };

/** A function's routes (each path served by one method), and what a path it does not serve is told to see. */
export interface Routes<R> {
  readonly served: readonly {
    readonly method: string;
    readonly path: RegExp;
    readonly route: (match: RegExpExecArray) => R;
  }[];
  readonly seeInstead: string;
}

export const ROTATE_ROUTES: Routes<RotateRoute> = {
  served: [
    { method: 'POST', path: /^\/(?:iam\/)?rotate$/, route: () => ({ operation: 'rotate' }) },
    {
      method: 'GET',
      path: /^\/(?:iam\/)?zones\/([^/]*)$/,
      // The group always takes part in a match: the default is for the type checker.
      route: ([, zoneId = '']) => ({ operation: 'zone-status', zoneId }),
    },
  ],
  seeInstead: 'POST /rotate and GET /zones/{ZoneId}',
};

export const SYNC_ROUTES: Routes<SyncRoute> = {
  served: [
    {
      method: 'POST',
      path: /^\/sync\/(doppler|infisical)$/,
      // The pattern admits these two senders only.
      route: ([, sender]) => ({ sender: sender as SyncRoute['sender'] }),
    },
  ],
  seeInstead: 'POST /sync/doppler and POST /sync/infisical',
};

export function routeOf<R>({ method, path }: HttpRequest, { served, seeInstead }: Routes<R>): R {
  for (const { method: accepted, path: pattern, route } of served) {
    const match = pattern.exec(path);
    if (match === null) continue;
    if (method !== accepted) throw new MethodNotAllowed(`This path accepts only ${accepted}.`, accepted);
    return route(match);
  }
  throw new RouteNotFound(`Nothing is served at this path; see ${seeInstead}.`);
}
