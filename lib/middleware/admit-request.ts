// Everything decided about a request before TEO is called, in docs/contract.md §2's order: the event's shape, the
// route, body size (before any HMAC), authentication (before the body is parsed), what the operation takes (the
// body, or the path's zone id), then whether this caller may act on this zone.
import type { MiddlewareObj } from '@middy/core';
import { authenticateCaller } from '#lib/auth/authenticate-caller.ts';
import { mayRotate } from '#lib/callers.ts';
import { CallerNotAuthorized } from '#lib/errors.ts';
import { type RotateEvent, readHttpRequest } from '#lib/http/request.ts';
import type { HttpResponse } from '#lib/http/responses.ts';
import { routeOf } from '#lib/http/routes.ts';
import type { RotateContext } from '#lib/request-record.ts';
import { parseRotationRequest, parseZoneId, refuseOversizedBody } from '#lib/rotation-request.ts';

export const admitRequest = (): MiddlewareObj<RotateEvent, HttpResponse, Error, RotateContext> => ({
  before: ({ event, context }) => {
    const record = context.rotator;
    const callers = record.setup?.callers ?? [];
    const request = readHttpRequest(event);
    record.http = request;
    const route = routeOf(request);
    record.route = route;
    refuseOversizedBody(request.body);
    const authenticated = authenticateCaller(request, callers, Math.floor(Date.now() / 1000));
    record.authenticated = authenticated;
    let zoneId: string;
    if (route.operation === 'rotate') {
      const rotation = parseRotationRequest(request.body, request.headers.get('content-type'));
      record.rotation = rotation;
      zoneId = rotation.zoneId;
    } else {
      zoneId = parseZoneId(route.zoneId);
      record.statusOf = zoneId;
    }
    if (!mayRotate(authenticated.caller, zoneId)) {
      throw new CallerNotAuthorized('This caller may not act on this zone.');
    }
  },
});
