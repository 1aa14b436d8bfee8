// Every error becomes docs/contract.md §2's error body; nothing a caller sees comes from an error's own text.
import type { MiddlewareObj } from '@middy/core';
import type { RotateEvent } from '#lib/handlers/http/request.ts';
import { type HttpResponse, refusalFor, refusalResponse } from '#lib/handlers/http/responses.ts';
import type { AuditTrail } from '#lib/handlers/rotate/audit-trail.ts';

export const errorResponses = ({ trailOf }: AuditTrail): MiddlewareObj<RotateEvent, HttpResponse> => ({
  onError: (request) => {
    const trail = trailOf(request.context);
    const refusal = refusalFor(request.error, { keySent: trail.audit.tally.teoAttempts > 0 });
    trail.refusal = refusal;
    request.response = refusalResponse(refusal);
  },
});
