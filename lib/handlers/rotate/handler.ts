// The HTTP function, assembled (docs/contract.md §2 and §7). The middlewares are what every request gets whatever
// happens to it: its audit line, its kept answer, its error body. `serve` is the request's path, in order, each
// stage handing the next what it established.
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { authorize, authorizeRotation } from '#lib/domain/authorize.ts';
import type { Caller } from '#lib/domain/caller.ts';
import { AuthenticationFailed, DeadlineExceeded } from '#lib/domain/errors.ts';
import { type Clock, type RetryPolicy, systemClock } from '#lib/domain/retry.ts';
import { rehearseRotation, rotateZone } from '#lib/domain/rotation/rotate-zone.ts';
import { DEFAULT_RETRY, describeZone } from '#lib/domain/rotation/send-key.ts';
import {
  type HttpRotationRequest,
  parseRotationRequest,
  parseZoneId,
  refuseOversizedBody,
} from '#lib/domain/rotation-request.ts';
import {
  type ConfigSource,
  currentConfig,
  fixedSource,
  withFreshCredentials,
} from '#lib/handlers/config/config-source.ts';
import { functionSetup, type Setup, type SetupOptions } from '#lib/handlers/config/function-setup.ts';
import type { LoadedConfig, RotatorConfig } from '#lib/handlers/config/rotator-config.ts';
import { authenticateCaller } from '#lib/handlers/http/authenticate-caller.ts';
import { type HttpRequest, type RotateEvent, readHttpRequest } from '#lib/handlers/http/request.ts';
import {
  dryRunResponse,
  type HttpResponse,
  rotatedResponse,
  zoneStatusResponse,
} from '#lib/handlers/http/responses.ts';
import { routeOf } from '#lib/handlers/http/routes.ts';
import { ANSWER_MARGIN_MS, invocationEnd, runOf } from '#lib/handlers/invocation.ts';
import { auditTrail, type RequestTrail } from '#lib/handlers/rotate/audit-trail.ts';
import { errorResponses } from '#lib/handlers/rotate/error-responses.ts';
import { type LiveKey, liveKeyCache } from '#lib/handlers/rotate/live-key-cache.ts';
import { claimRequest, keepAnswer, noteRefusedDelivery } from '#lib/handlers/rotate/redelivery.ts';

export type RotateHandler = (event: RotateEvent, context: Context) => Promise<HttpResponse>;

export interface HandlerOptions extends SetupOptions {
  readonly retry?: RetryPolicy;
  readonly clock?: Clock;
}

/** A fixed configuration (tests, local runs), or a source that may change it between requests (deployed). */
export function createRotateHandler(
  config: LoadedConfig | ConfigSource<RotatorConfig>,
  options: HandlerOptions = {},
): RotateHandler {
  const source = 'current' in config ? config : fixedSource(config);
  const { retry = DEFAULT_RETRY, clock = systemClock } = options;
  const setupFor = functionSetup<RotatorConfig>(options);
  const trail = auditTrail();
  const liveKeys = liveKeyCache(() => clock.now());
  /** The invocation's run, its TEO calls counted on the request's audit line. What only reads asks as no one. */
  const runFor = (
    noted: RequestTrail,
    context: Context,
    setup: Setup<RotatorConfig>,
    asked: { readonly firstSeen: number; readonly by: string } = { firstSeen: clock.now(), by: '' },
  ) => runOf(context, noted.audit.tally, { ...asked, fingerprint: setup.config.fingerprint }, clock);

  async function serve(event: RotateEvent, context: Context): Promise<HttpResponse> {
    const noted = trail.trailOf(context);
    // §3: an invalid configuration refuses every request before anything about it is looked at.
    const setup = setupFor(await currentConfig(source));
    const request = readHttpRequest(event);
    noted.http = request;
    const route = routeOf(request);
    // Before authentication: an anonymous caller must not make the function HMAC megabytes.
    refuseOversizedBody(request.body);
    // Before the body is parsed: nothing an unauthenticated caller sends is read further.
    const caller = await authenticate(noted, request, setup);
    noted.authenticated = caller;
    if (route.operation !== 'rotate') {
      const zoneId = parseZoneId(route.zoneId);
      noted.statusOf = zoneId;
      authorize(caller.caller, zoneId);
      return zoneStatus(noted, setup, context, zoneId, caller.caller);
    }
    const rotation = parseRotationRequest(request.body, request.headers.get('content-type'));
    noted.rotation = rotation;
    const keyFingerprint = setup.config.fingerprint(rotation.secretKey);
    noted.keyFingerprint = keyFingerprint;
    if (rotation.dryRun) {
      authorizeRotation(caller.caller, rotation.zoneId, setup.config.writers);
      return rehearse(noted, setup, context, rotation, keyFingerprint);
    }
    // Only a rotation is remembered (a dry run or a zone's status changes nothing worth answering again), and from
    // before its zone is checked: a redelivery of a request refused now still counts as first seen now (§5).
    const claimed = await claimRequest(
      noted,
      { request, caller, ledger: setup.ledger },
      { now: clock.now(), leaseUntil: invocationEnd(context, clock) },
    );
    if ('replay' in claimed) return claimed.replay;
    authorizeRotation(caller.caller, rotation.zoneId, setup.config.writers);
    return rotate(noted, setup, context, rotation, keyFingerprint, {
      firstSeen: claimed.firstSeen,
      by: caller.caller.name,
    });
  }

  /** The request's caller; a webhook it signed but refused for its time has its id recorded first (§5). */
  async function authenticate(noted: RequestTrail, request: HttpRequest, setup: Setup<RotatorConfig>) {
    try {
      return authenticateCaller(request, setup.config.callers, Math.floor(clock.now() / 1000));
    } catch (error) {
      if (error instanceof AuthenticationFailed && error.signedBy) {
        const caller = { caller: error.signedBy, kind: 'webhook' } as const;
        await noteRefusedDelivery(noted, { request, caller, ledger: setup.ledger }, clock.now());
      }
      throw error;
    }
  }

  /** POST /rotate: the rotation, with fresh credentials if TEO refused the ones in force. */
  async function rotate(
    noted: RequestTrail,
    setup: Setup<RotatorConfig>,
    context: Context,
    rotation: HttpRotationRequest,
    keyFingerprint: string,
    asked: { readonly firstSeen: number; readonly by: string },
  ) {
    const run = runFor(noted, context, setup, asked);
    const outcome = await withFreshCredentials(source, setup.config, (config) => {
      const { teo, ledger } = setupFor(config);
      return rotateZone(rotation, { teo, ledger, retry }, run);
    });
    noted.teoRequestId = outcome.requestId;
    noted.settledBy = outcome.settledBy;
    noted.firstKey = outcome.firstKey;
    if (setup.events) {
      noted.eventPublished = await setup.events.announce({
        zoneId: rotation.zoneId,
        keyFingerprint,
        requestId: outcome.requestId,
        caller: asked.by,
        trigger: 'http',
      });
    }
    return rotatedResponse(outcome, keyFingerprint);
  }

  /** §7: everything a rotation does up to TEO, then a Describe instead of the Modify. */
  async function rehearse(
    noted: RequestTrail,
    setup: Setup<RotatorConfig>,
    context: Context,
    rotation: HttpRotationRequest,
    keyFingerprint: string,
  ) {
    const run = runFor(noted, context, setup);
    const rehearsed = await rehearseRotation(rotation, { ...setup, retry }, run);
    noted.done = 'dry-run';
    return dryRunResponse(rehearsed, keyFingerprint);
  }

  /** GET /zones/{ZoneId}: which key is live, by fingerprint, and the last rotation the function applied. */
  async function zoneStatus(
    noted: RequestTrail,
    setup: Setup<RotatorConfig>,
    context: Context,
    zoneId: string,
    viewer: Caller,
  ) {
    const run = runFor(noted, context, setup);
    const describe = async (): Promise<LiveKey> => {
      const { secretKey, requestId } = await describeZone(zoneId, setup.teo, run);
      return { fingerprint: secretKey && setup.config.fingerprint(secretKey), requestId };
    };
    const recent = liveKeys.recent(zoneId);
    const [described, lastRotation] = await Promise.all([
      recent ? undefined : describe(),
      setup.ledger.lastApplied(zoneId),
    ]);
    // A recent Describe serves only while the ledger shows the same last rotation: any instance's rotation ends it.
    const reused = recent?.lastApplied === lastRotation?.requestId ? recent?.live : undefined;
    const live = described ?? reused ?? (await describe());
    if (live !== reused) liveKeys.keep(zoneId, lastRotation?.requestId, live);
    noted.done = 'described';
    noted.teoRequestId = live.requestId;
    noted.describeReused = reused !== undefined || undefined;
    // Who rotated is another caller's name: shown to the callers of every zone, and to the one who did.
    const by = lastRotation?.by;
    const mayKnow = viewer.zones === '*' || by === viewer.name;
    return zoneStatusResponse({
      zoneId,
      liveKeyFingerprint: live.fingerprint,
      requestId: live.requestId,
      lastRotation: lastRotation && (mayKnow ? lastRotation : { ...lastRotation, by: 'another caller' }),
    });
  }

  // Outermost first. onError hooks run in reverse: errorResponses makes the answer, keepAnswer keeps it for a
  // redelivery, and the audit line is written last, with everything the request established.
  return middy<RotateEvent, HttpResponse>({
    timeoutEarlyInMillis: ANSWER_MARGIN_MS,
    timeoutEarlyResponse: () => {
      throw new DeadlineExceeded('The Lambda is about to time out.');
    },
  })
    .use(trail.middleware)
    .use(keepAnswer(trail, clock))
    .use(errorResponses(trail))
    .handler(serve);
}
