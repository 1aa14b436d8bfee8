// The rotate function, assembled: what runs for each request, in order.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { LoadedConfig } from '#lib/config.ts';
import { DeadlineExceeded } from '#lib/errors.ts';
import type { RotateEvent } from '#lib/http/request.ts';
import { type HttpResponse, rotatedResponse } from '#lib/http/responses.ts';
import { logger } from '#lib/logger.ts';
import { admitRotation } from '#lib/middleware/admit-rotation.ts';
import { auditTrail } from '#lib/middleware/audit-trail.ts';
import { errorResponses } from '#lib/middleware/error-responses.ts';
import { failClosed } from '#lib/middleware/fail-closed.ts';
import type { RotateContext } from '#lib/request-record.ts';
import { createTencentCloudGateway } from '#lib/teo/tencent-cloud-gateway.ts';

/** Time kept back from the Lambda's limit to answer, log and flush. */
const ANSWER_MARGIN_MS = 500;

/** As Lambda calls it: with a plain Context, to which the audit trail adds the request's record first of all. */
export type RotateHandler = (event: RotateEvent, context: Context) => Promise<HttpResponse>;

export function createRotateHandler(loaded: LoadedConfig): RotateHandler {
  const teo = loaded.ok ? createTencentCloudGateway(loaded.config.teo) : undefined;
  const handler = middy<RotateEvent, HttpResponse, Error, RotateContext>({
    timeoutEarlyInMillis: ANSWER_MARGIN_MS,
    timeoutEarlyResponse: () => {
      throw new DeadlineExceeded('The Lambda is about to time out.');
    },
  })
    .use(injectLambdaContext(logger))
    .use(auditTrail())
    .use(errorResponses())
    .use(loaded.ok ? admitRotation(loaded.config.callers) : failClosed(loaded.problems))
    .handler(async (_event, context, { signal }) => {
      const { rotation } = context.rotator;
      if (rotation === undefined || teo === undefined)
        throw new Error('reached the handler without an admitted rotation');
      context.rotator.teoAttempts += 1;
      const requestId = await teo.modifySecretKey(rotation, signal);
      context.rotator.teoRequestId = requestId;
      return rotatedResponse(requestId);
    });
  return handler as unknown as RotateHandler;
}
