// The HTTP function, assembled (docs/contract.md §2 and §7) in the one shell (lib/handlers/function-shell.ts): its
// audit line, its kept answer, its error body, whatever happens to a request. `serve` is the request's path, in
// order, each stage handing the next what it established.
import type { Context } from 'aws-lambda';
import { authorize, authorizeRotation } from '#lib/domain/authorize.ts';
import type { Caller } from '#lib/domain/caller.ts';
import { AuthenticationFailed } from '#lib/domain/errors.ts';
import { rehearseRotation, rotateZone } from '#lib/domain/rotation/rotate-zone.ts';
import { describeZone } from '#lib/domain/rotation/send-key.ts';
import {
  type HttpRotationRequest,
  parseRotationRequest,
  parseZoneId,
  refuseOversizedBody,
} from '#lib/domain/rotation-request.ts';
import { startAudit } from '#lib/handlers/audit/audit-log.ts';
import { type ConfigSource, withFreshCredentials } from '#lib/handlers/config/config-source.ts';
import type { LoadedConfig, RotatorConfig } from '#lib/handlers/config/rotator-config.ts';
import {
  assembleFunction,
  clockOf,
  type FunctionOptions,
  type Invocation,
} from '#lib/handlers/function-shell.ts';
import { type AuthenticatedCaller, authenticateCaller } from '#lib/handlers/http/authenticate-caller.ts';
import { type HttpRequest, type RotateEvent, readHttpRequest } from '#lib/handlers/http/request.ts';
import {
  dryRunResponse,
  type HttpResponse,
  refusalFor,
  refusalResponse,
  rotatedResponse,
  zoneStatusResponse,
} from '#lib/handlers/http/responses.ts';
import { ROTATE_ROUTES, routeOf } from '#lib/handlers/http/routes.ts';
import { invocationEnd, runOf } from '#lib/handlers/invocation.ts';
import { auditRequest, type RequestTrail } from '#lib/handlers/rotate/audit-trail.ts';
import { type LiveKey, liveKeyCache } from '#lib/handlers/rotate/live-key-cache.ts';
import { claimRequest, keepAnswer, noteRefusedDelivery } from '#lib/handlers/rotate/redelivery.ts';

export type RotateHandler = (event: RotateEvent, context: Context) => Promise<HttpResponse>;

type Served = Invocation<RotatorConfig, RequestTrail>;

/** A fixed configuration (tests, local runs), or a source that may change it between requests (deployed). */
export function createRotateHandler(
  config: LoadedConfig | ConfigSource<RotatorConfig>,
  options: FunctionOptions = {},
): RotateHandler {
  const clock = clockOf(options);
  const liveKeys = liveKeyCache(() => clock.now());
  /** The invocation's run, its TEO calls counted on the request's audit line. What only reads asks as no one. */
  const runFor = (
    served: Served,
    context: Context,
    asked: { readonly firstSeen: number; readonly by: string } = { firstSeen: served.clock.now(), by: '' },
  ) =>
    runOf(
      context,
      served.trail.audit.tally,
      { ...asked, fingerprint: served.setup.config.fingerprint },
      served.clock,
    );

  async function serve(event: RotateEvent, context: Context, served: Served): Promise<HttpResponse> {
    const { trail: noted } = served;
    const request = readHttpRequest(event);
    noted.http = request;
    const route = routeOf(request, ROTATE_ROUTES);
    // Before authentication: an anonymous caller must not make the function HMAC megabytes.
    refuseOversizedBody(request.body);
    // Before the body is parsed: nothing an unauthenticated caller sends is read further.
    const caller = await authenticate(served, request);
    noted.authenticated = caller;
    switch (route.operation) {
      case 'zone-status': {
        const zoneId = parseZoneId(route.zoneId);
        noted.statusOf = zoneId;
        authorize(caller.caller, zoneId);
        return zoneStatus(served, context, zoneId, caller.caller);
      }
      case 'rotate':
        return requested(served, context, request, caller);
    }
  }

  /** POST /rotate: a rotation, or its rehearsal. */
  async function requested(
    served: Served,
    context: Context,
    request: HttpRequest,
    caller: AuthenticatedCaller,
  ) {
    const { trail: noted, setup, clock } = served;
    const rotation = parseRotationRequest(request.body, request.headers.get('content-type'));
    noted.rotation = rotation;
    const keyFingerprint = setup.config.fingerprint(rotation.secretKey);
    noted.keyFingerprint = keyFingerprint;
    if (rotation.dryRun) {
      authorizeRotation(caller.caller, rotation.zoneId, setup.config.writers);
      return rehearse(served, context, rotation, keyFingerprint);
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
    return rotate(served, context, rotation, keyFingerprint, {
      firstSeen: claimed.firstSeen,
      by: caller.caller.name,
    });
  }

  /** The request's caller; a webhook it signed but refused for its time has its id recorded first (§5). */
  async function authenticate({ trail, setup, clock }: Served, request: HttpRequest) {
    try {
      return authenticateCaller(request, setup.config.callers, Math.floor(clock.now() / 1000));
    } catch (error) {
      if (error instanceof AuthenticationFailed && error.signedBy) {
        const caller = { caller: error.signedBy, kind: 'webhook' } as const;
        await noteRefusedDelivery(trail, { request, caller, ledger: setup.ledger }, clock.now());
      }
      throw error;
    }
  }

  /** POST /rotate: the rotation, with fresh credentials if TEO refused the ones in force. */
  async function rotate(
    served: Served,
    context: Context,
    rotation: HttpRotationRequest,
    keyFingerprint: string,
    asked: { readonly firstSeen: number; readonly by: string },
  ) {
    const { trail: noted, setup } = served;
    const run = runFor(served, context, asked);
    const outcome = await withFreshCredentials(served.source, setup.config, (config) =>
      rotateZone(rotation, { ...served.setupFor(config), retry: served.retry }, run),
    );
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
    served: Served,
    context: Context,
    rotation: HttpRotationRequest,
    keyFingerprint: string,
  ) {
    const run = runFor(served, context);
    const rehearsed = await rehearseRotation(rotation, { ...served.setup, retry: served.retry }, run);
    served.trail.done = 'dry-run';
    return dryRunResponse(rehearsed, keyFingerprint);
  }

  /** GET /zones/{ZoneId}: which key is live, by fingerprint, and the last rotation the function applied. */
  async function zoneStatus(served: Served, context: Context, zoneId: string, viewer: Caller) {
    const { trail: noted, setup } = served;
    const run = runFor(served, context);
    const describe = async (): Promise<LiveKey> => {
      const { secretKey, requestId } = await describeZone(zoneId, setup.teo, run);
      return { fingerprint: secretKey && setup.config.fingerprint(secretKey), requestId };
    };
    const recent = liveKeys.recent(zoneId);
    // A zone bound to a secret: its syncs' health, read beside the rest (contract §8).
    const bound = setup.config.writers.bindings.some((binding) => binding.zoneId === zoneId);
    const [described, lastRotation, health] = await Promise.all([
      recent ? undefined : describe(),
      setup.ledger.lastApplied(zoneId),
      bound ? setup.ledger.syncHealthOf([zoneId]) : undefined,
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
      ...(health && { sync: { health: health.get(zoneId) } }),
    });
  }

  return assembleFunction<RotateEvent, HttpResponse, RotatorConfig, RequestTrail>(
    config,
    {
      begin: (context) => ({ audit: startAudit(context) }),
      serve,
      // Every error becomes §2's error body; nothing a caller sees comes from an error's own text.
      answer(error, trail) {
        const refusal = refusalFor(error, { keySent: trail.audit.tally.teoAttempts > 0 });
        trail.refusal = refusal;
        return refusalResponse(refusal);
      },
      audit: auditRequest,
      // A redelivery of the request gets the answer it got, once it is known.
      around: (trailOf) => [keepAnswer(trailOf, clock)],
    },
    options,
  );
}
