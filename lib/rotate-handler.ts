// The HTTP function, assembled: what runs for each request, in order (docs/contract.md §2 and §7).
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { LoadedConfig, RotatorConfig } from '#lib/config.ts';
import { type ConfigSource, fixedSource, withFreshCredentials } from '#lib/config-source.ts';
import { DeadlineExceeded } from '#lib/errors.ts';
import type { RotateEvent } from '#lib/http/request.ts';
import {
  dryRunResponse,
  type HttpResponse,
  rotatedResponse,
  zoneStatusResponse,
} from '#lib/http/responses.ts';
import { keyFingerprint } from '#lib/key-fingerprint.ts';
import { configuredLedger } from '#lib/ledger/configured-ledger.ts';
import type { RotationLedger } from '#lib/ledger/rotation-ledger.ts';
import { admitRequest } from '#lib/middleware/admit-request.ts';
import { auditTrail } from '#lib/middleware/audit-trail.ts';
import { configure, type RotatorSetup } from '#lib/middleware/configure.ts';
import { errorResponses } from '#lib/middleware/error-responses.ts';
import { redelivery } from '#lib/middleware/redelivery.ts';
import type { RetryPolicy } from '#lib/outbound/retry.ts';
import type { RequestRecord, RotateContext } from '#lib/request-record.ts';
import { ANSWER_MARGIN_MS, runOf } from '#lib/rotation/invocation.ts';
import { rehearseRotation, rotateZone } from '#lib/rotation/rotate-zone.ts';
import { eventBridgeEvents, noEvents, type RotationEvents } from '#lib/rotation/rotation-events.ts';
import { DEFAULT_RETRY } from '#lib/rotation/send-key.ts';
import { createTencentCloudGateway } from '#lib/teo/tencent-cloud-gateway.ts';

/** As Lambda calls it: with a plain Context, to which the audit trail adds the request's record first of all. */
export type RotateHandler = (event: RotateEvent, context: Context) => Promise<HttpResponse>;

export interface HandlerOptions {
  /** Defaults to the configured one: DynamoDB with ROTATOR_TABLE, else in memory. */
  readonly ledger?: RotationLedger;
  /** Defaults to EventBridge with ROTATOR_EVENT_BUS, else none. */
  readonly events?: RotationEvents;
  readonly retry?: RetryPolicy;
}

/** A fixed configuration (tests, local runs), or a source that may change it between requests (deployed). */
export function createRotateHandler(
  config: LoadedConfig | ConfigSource<RotatorConfig>,
  options: HandlerOptions = {},
): RotateHandler {
  const source = 'current' in config ? config : fixedSource(config);
  const retry = options.retry ?? DEFAULT_RETRY;
  // One ledger and one event bus for the life of the instance; TEO's client and the callers follow the configuration.
  let ledger = options.ledger;
  let events = options.events;
  let last: { config: RotatorConfig; setup: RotatorSetup } | undefined;
  const setupFor = (config: RotatorConfig): RotatorSetup => {
    if (last?.config !== config) {
      ledger ??= configuredLedger(config.table);
      events ??= config.eventBus === undefined ? noEvents : eventBridgeEvents(config.eventBus);
      const teo = createTencentCloudGateway(config.teo);
      last = { config, setup: { config, callers: config.callers, ledger, events, teo } };
    }
    return last.setup;
  };

  /** POST /rotate: the rotation, or its rehearsal. */
  async function rotate(record: RequestRecord, context: Context, setup: RotatorSetup, caller: string) {
    const { rotation } = record;
    if (rotation === undefined) throw new Error('reached rotate without a rotation');
    const run = runOf(context, record, { firstSeen: record.firstSeen ?? Date.now(), by: caller });
    if (rotation.dryRun) {
      record.done = 'dry-run';
      return dryRunResponse(await rehearseRotation(rotation, setup.teo, setup.ledger, run));
    }
    const outcome = await withFreshCredentials(source, setup.config, (config) => {
      record.setup = setupFor(config);
      return rotateZone(rotation, record.setup.teo, record.setup.ledger, retry, run);
    });
    record.teoRequestId = outcome.requestId;
    if (outcome.settledBy) record.settledBy = outcome.settledBy;
    if (setup.events !== noEvents) {
      record.eventPublished = await setup.events.announce({
        rotation,
        requestId: outcome.requestId,
        caller,
        trigger: 'http',
      });
    }
    return rotatedResponse(outcome);
  }

  /** GET /zones/{ZoneId}: which key is live, by fingerprint, and the last rotation the function applied. */
  async function describe(record: RequestRecord, context: Context, setup: RotatorSetup, zoneId: string) {
    const run = runOf(context, record, { firstSeen: Date.now(), by: '' });
    const [live, lastRotation] = await Promise.all([
      setup.teo.describeSecretKey(zoneId, run.deadline),
      setup.ledger.lastApplied(zoneId),
    ]);
    record.done = 'described';
    record.teoRequestId = live.requestId;
    return zoneStatusResponse({
      zoneId,
      liveKeyFingerprint: keyFingerprint(live.secretKey),
      requestId: live.requestId,
      lastRotation,
    });
  }

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
    .use(admitRequest())
    .use(redelivery.claim)
    .handler(async (_event, context) => {
      const record = context.rotator;
      if (record.replay) return record.replay;
      const { setup, authenticated } = record;
      if (setup === undefined || authenticated === undefined)
        throw new Error('reached the handler unadmitted');
      return record.statusOf === undefined
        ? rotate(record, context, setup, authenticated.caller.name)
        : describe(record, context, setup, record.statusOf);
    });
  return handler as unknown as RotateHandler;
}
