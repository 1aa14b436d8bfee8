import type { MiddlewareObj } from '@middy/core';
import type { RotateEvent } from '#lib/http/request.ts';
import { type HttpResponse, refusalFor, refusalResponse } from '#lib/http/responses.ts';
import type { RotateContext } from '#lib/request-record.ts';

/** Every error becomes docs/contract.md §2's error body; nothing a caller sees comes from an error's own text. */
export const errorResponses = (): MiddlewareObj<RotateEvent, HttpResponse, Error, RotateContext> => ({
  onError: (request) => {
    const refusal = refusalFor(request.error);
    request.context.rotator.refusal = refusal;
    request.response = refusalResponse(refusal);
  },
});
