// The rotate function, assembled: what runs for each request, in order.
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { LoadedConfig, RotatorConfig } from '#lib/config.ts';
import { DeadlineExceeded } from '#lib/errors.ts';
import type { RotateEvent } from '#lib/http/request.ts';
import { type HttpResponse, rotatedResponse } from '#lib/http/responses.ts';
import { configuredLedger } from '#lib/ledger/configured-ledger.ts';
import type { RotationLedger } from '#lib/ledger/rotation-ledger.ts';
import { admitRotation } from '#lib/middleware/admit-rotation.ts';
import { auditTrail } from '#lib/middleware/audit-trail.ts';
import { errorResponses } from '#lib/middleware/error-responses.ts';
import { failClosed } from '#lib/middleware/fail-closed.ts';
import { redelivery } from '#lib/middleware/redelivery.ts';
import type { RotateContext } from '#lib/request-record.ts';
import {
  ANSWER_MARGIN_MS,
  DEFAULT_RETRY,
  type RetryPolicy,
  rotateZone,
  runOf,
} from '#lib/rotation/rotate-zone.ts';
import { createTencentCloudGateway } from '#lib/teo/tencent-cloud-gateway.ts';

/** As Lambda calls it: with a plain Context, to which the audit trail adds the request's record first of all. */
export type RotateHandler = (event: RotateEvent, context: Context) => Promise<HttpResponse>;

export interface HandlerOptions {
  /** Defaults to the configured one: DynamoDB with ROTATOR_TABLE, else in memory. */
  readonly ledger?: RotationLedger;
  readonly retry?: RetryPolicy;
}

/** What a valid configuration sets up, once per cold start. */
const admitted = (config: RotatorConfig, ledger: RotationLedger) => ({
  teo: createTencentCloudGateway(config.teo),
  ledger,
  callers: config.callers,
  ...redelivery(ledger),
});

export function createRotateHandler(loaded: LoadedConfig, options: HandlerOptions = {}): RotateHandler {
  const setup = loaded.ok && admitted(loaded.config, options.ledger ?? configuredLedger(loaded.config.table));
  const retry = options.retry ?? DEFAULT_RETRY;
  const handler = middy<RotateEvent, HttpResponse, Error, RotateContext>({
    timeoutEarlyInMillis: ANSWER_MARGIN_MS,
    timeoutEarlyResponse: () => {
      throw new DeadlineExceeded('The Lambda is about to time out.');
    },
  })
    .use(auditTrail())
    .use(setup ? [setup.keepAnswer] : [])
    .use(errorResponses())
    .use(setup ? [admitRotation(setup.callers), setup.claim] : [failClosed(loaded.ok ? [] : loaded.problems)])
    .handler(async (_event, context) => {
      const record = context.rotator;
      if (record.replay) return record.replay;
      if (record.rotation === undefined || !setup)
        throw new Error('reached the handler without an admitted rotation');
      const outcome = await rotateZone(
        record.rotation,
        setup.teo,
        setup.ledger,
        retry,
        runOf(context, record, {
          firstSeen: record.firstSeen ?? Date.now(),
          by: record.authenticated?.caller.name ?? 'unknown',
        }),
      );
      record.teoRequestId = outcome.requestId;
      if (outcome.settledBy) record.settledBy = outcome.settledBy;
      return rotatedResponse(outcome);
    });
  return handler as unknown as RotateHandler;
}
