// The rotate function, assembled: what runs for each request, in order.
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { LoadedConfig, RotatorConfig } from '#lib/config.ts';
import { type ConfigSource, fixedSource, withFreshCredentials } from '#lib/config-source.ts';
import { DeadlineExceeded } from '#lib/errors.ts';
import type { RotateEvent } from '#lib/http/request.ts';
import { type HttpResponse, rotatedResponse } from '#lib/http/responses.ts';
import { configuredLedger } from '#lib/ledger/configured-ledger.ts';
import type { RotationLedger } from '#lib/ledger/rotation-ledger.ts';
import { admitRotation } from '#lib/middleware/admit-rotation.ts';
import { auditTrail } from '#lib/middleware/audit-trail.ts';
import { configure, type RotatorSetup } from '#lib/middleware/configure.ts';
import { errorResponses } from '#lib/middleware/error-responses.ts';
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

/** A fixed configuration (tests, local runs), or a source that may change it between requests (deployed). */
export function createRotateHandler(
  config: LoadedConfig | ConfigSource<RotatorConfig>,
  options: HandlerOptions = {},
): RotateHandler {
  const source = 'current' in config ? config : fixedSource(config);
  const retry = options.retry ?? DEFAULT_RETRY;
  // One ledger for the life of the instance; TEO's client and the callers follow the configuration.
  let ledger = options.ledger;
  let last: { config: RotatorConfig; setup: RotatorSetup } | undefined;
  const setupFor = (config: RotatorConfig): RotatorSetup => {
    if (last?.config !== config) {
      ledger ??= configuredLedger(config.table);
      last = {
        config,
        setup: { config, callers: config.callers, ledger, teo: createTencentCloudGateway(config.teo) },
      };
    }
    return last.setup;
  };
  const handler = middy<RotateEvent, HttpResponse, Error, RotateContext>({
    timeoutEarlyInMillis: ANSWER_MARGIN_MS,
    timeoutEarlyResponse: () => {
      throw new DeadlineExceeded('The Lambda is about to time out.');
    },
  })
    .use(auditTrail())
    .use(redelivery.keepAnswer)
    .use(errorResponses())
    .use(configure(source, setupFor))
    .use(admitRotation())
    .use(redelivery.claim)
    .handler(async (_event, context) => {
      const record = context.rotator;
      if (record.replay) return record.replay;
      const { setup, rotation, authenticated } = record;
      if (setup === undefined || rotation === undefined || authenticated === undefined)
        throw new Error('reached the handler without an admitted rotation');
      const run = runOf(context, record, {
        firstSeen: record.firstSeen ?? Date.now(),
        by: authenticated.caller.name,
      });
      const outcome = await withFreshCredentials(source, setup.config, (config) => {
        record.setup = setupFor(config);
        return rotateZone(rotation, record.setup.teo, record.setup.ledger, retry, run);
      });
      record.teoRequestId = outcome.requestId;
      if (outcome.settledBy) record.settledBy = outcome.settledBy;
      return rotatedResponse(outcome);
    });
  return handler as unknown as RotateHandler;
}
