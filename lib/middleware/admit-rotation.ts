// Everything decided about a request before TEO is called, in docs/contract.md §2's order: the event's shape,
// route, body size (before any HMAC), authentication (before the body is parsed), the body, then whether this
// caller may rotate this zone.
import type { MiddlewareObj } from '@middy/core';
import { authenticateCaller } from '#lib/auth/authenticate-caller.ts';
import { mayRotate } from '#lib/callers.ts';
import { CallerNotAuthorized, RouteNotFound } from '#lib/errors.ts';
import { type HttpRequest, type RotateEvent, readHttpRequest } from '#lib/http/request.ts';
import type { HttpResponse } from '#lib/http/responses.ts';
import type { RotateContext } from '#lib/request-record.ts';
import { parseRotationRequest, refuseOversizedBody } from '#lib/rotation-request.ts';

/** Bearer and webhook callers use the first; IAM callers the second, a route with AWS_IAM auth (serverless.yml). */
export const ROTATE_PATHS = ['/rotate', '/iam/rotate'];

export const admitRotation = (): MiddlewareObj<RotateEvent, HttpResponse, Error, RotateContext> => ({
  before: ({ event, context }) => {
    const record = context.rotator;
    const callers = record.setup?.callers ?? [];
    const request = readHttpRequest(event);
    record.http = request;
    checkRoute(request);
    refuseOversizedBody(request.body);
    const authenticated = authenticateCaller(request, callers, Math.floor(Date.now() / 1000));
    record.authenticated = authenticated;
    const rotation = parseRotationRequest(request.body, request.headers.get('content-type'));
    record.rotation = rotation;
    if (!mayRotate(authenticated.caller, rotation.zoneId)) {
      throw new CallerNotAuthorized('This caller may not rotate this zone.');
    }
  },
});

function checkRoute({ method, path }: HttpRequest) {
  if (!ROTATE_PATHS.includes(path)) {
    throw new RouteNotFound(
      404,
      `Nothing is served at this path; use POST ${ROTATE_PATHS.join(' or POST ')}.`,
    );
  }
  if (method !== 'POST') throw new RouteNotFound(405, `${path} accepts only POST.`);
}
