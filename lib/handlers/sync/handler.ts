// The sync function, assembled (docs/contract.md §8) in the one shell (lib/handlers/function-shell.ts): a verified
// notification (Doppler or Infisical webhook, an EventBridge event for a Secrets Manager secret) or the schedule
// selects bindings; each is synced and has its own audit line. The run has a line of its own when it is the
// schedule's or left bindings for the next (sync-run), and when it ended before any binding was synced: refused, or
// failed.
import { createHash } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { createSecretReaders, MANAGER_TIMEOUT_MS } from '#lib/adapters/managers/secret-readers.ts';
import { InvalidRequest, RotationConflict, SyncFailed } from '#lib/domain/errors.ts';
import { isJsonObject } from '#lib/domain/json-object.ts';
import { needsAttention, type SyncHealth } from '#lib/domain/ledger/rotation-ledger.ts';
import { type TeoPaces, teoPaces } from '#lib/domain/paced-teo.ts';
import type { Clock } from '#lib/domain/retry.ts';
import type { ZoneWriteDeps } from '#lib/domain/rotation/rotate-zone.ts';
import type { RotationRun } from '#lib/domain/rotation/run.ts';
import { refuseOversizedBody } from '#lib/domain/rotation-request.ts';
import type { Binding } from '#lib/domain/sync/binding.ts';
import { readWithin } from '#lib/domain/sync/read-within.ts';
import {
  type SecretReaders,
  type SourceRead,
  SourceThrottled,
  SourceUnavailable,
} from '#lib/domain/sync/secret-source.ts';
import {
  changedDuringSync,
  type SyncedBinding,
  type SyncOutcome,
  syncBinding,
} from '#lib/domain/sync/sync-binding.ts';
import type { KeyWrite } from '#lib/domain/teo-gateway.ts';
import { type AuditStart, monotonicMs, startAudit, writeAudit } from '#lib/handlers/audit/audit-log.ts';
import type { ConfigSource } from '#lib/handlers/config/config-source.ts';
import type { Loaded } from '#lib/handlers/config/loaded.ts';
import type { SyncConfig } from '#lib/handlers/config/sync-config.ts';
import { assembleFunction, type FunctionOptions, type Invocation } from '#lib/handlers/function-shell.ts';
import { readHttpRequest } from '#lib/handlers/http/request.ts';
import {
  type HttpResponse,
  refusalFor,
  refusalResponse,
  syncResultsResponse,
} from '#lib/handlers/http/responses.ts';
import { routeOf, SYNC_ROUTES } from '#lib/handlers/http/routes.ts';
import { ANSWER_MARGIN_MS, runOf } from '#lib/handlers/invocation.ts';
import { auditKeylessHealth } from '#lib/handlers/sync/keyless-health-line.ts';
import { dopplerBindings, infisicalBindings, secretEventBindings } from '#lib/handlers/sync/notifications.ts';

export type SyncTrigger = 'doppler' | 'infisical' | 'secretsmanager' | 'schedule';

export interface SyncHandlerOptions extends FunctionOptions {
  readonly readers?: SecretReaders;
}

export interface SyncReport {
  readonly trigger: SyncTrigger;
  /**
   * Every selected binding's, in the order they were taken; `deferred` for those not reached before the deadline,
   * or whose manager's rate limit could not be waited out in time.
   */
  readonly results: readonly SyncedBinding[];
  /** How many were deferred for a manager's rate limit. */
  readonly throttled: number;
}

/** One binding's sync until its audit line is written. */
interface Attempt {
  readonly binding: Binding;
  readonly audit: AuditStart;
  readonly run: RotationRun;
  outcome: SyncOutcome;
  conflict: boolean;
  failure?: unknown;
  detail: Record<string, unknown>;
  drift?: 'foreign-key' | 'found-by-schedule' | undefined;
  eventPublished?: boolean | undefined;
  /** The value made live, when synced: compared with the secret read again after the run's bindings. */
  synced?: string;
  /** When its own work ended: a synced binding's line waits for the run's batched re-read. */
  endedAt?: number;
}

/** What the invocation's own line is written from, when it ends before any binding is synced. */
interface SyncTrail {
  readonly audit: AuditStart;
  /** The event as it came: an HTTP request (a webhook) is answered, anything else fails for Lambda to retry. */
  readonly event: unknown;
  /** The run's report, once it has one: the schedule's run, and any run that deferred bindings, has a line of its own. */
  report?: SyncReport;
}

type Served = Invocation<SyncConfig, SyncTrail>;

/** How long API Gateway's HTTP API waits for an integration's answer. */
const HTTP_API_TIMEOUT_MS = 30_000;

const isHttpEvent = (event: unknown) => isJsonObject(event) && 'requestContext' in event;

export function createSyncHandler(
  config: Loaded<SyncConfig> | ConfigSource<SyncConfig>,
  options: SyncHandlerOptions = {},
) {
  let readers: { config: SyncConfig; readers: SecretReaders } | undefined;
  // Per instance, for its life: every run of this instance shares TEO's pace.
  let paces: { rate: number; paces: TeoPaces } | undefined;
  const pacesFor = ({ pacing }: SyncConfig, clock: Clock) => {
    if (paces?.rate !== pacing.teoRatePerSecond) {
      paces = { rate: pacing.teoRatePerSecond, paces: teoPaces(pacing.teoRatePerSecond, clock) };
    }
    return paces.paces;
  };
  const readersFor = (config: SyncConfig) => {
    if (readers?.config !== config) {
      readers = { config, readers: options.readers ?? createSecretReaders(config.managers) };
    }
    return readers.readers;
  };

  /** One binding's sync, up to its audit line: TEO made to hold the value read for it, and the event if it did. */
  async function attempt(
    binding: Binding,
    read: SourceRead,
    trigger: SyncTrigger,
    context: Context,
    { setup, clock }: Served,
    deps: ZoneWriteDeps,
    delivery?: string,
  ): Promise<Attempt> {
    const audit = startAudit(context);
    const { config, events } = setup;
    const paces = pacesFor(config, clock);
    const run = {
      ...runOf(
        context,
        audit.tally,
        { firstSeen: clock.now(), by: `sync:${binding.source.kind}`, fingerprint: config.fingerprint },
        clock,
      ),
      // TEO at this instance's pace.
      pace: (action: KeyWrite | 'Describe') => paces[action](),
    };
    const tried: Attempt = { binding, audit, run, outcome: 'failed', conflict: false, detail: {} };
    try {
      if (read instanceof SourceUnavailable) throw read;
      const result = await syncBinding(binding, read.value, deps, run, delivery);
      tried.outcome = result.outcome;
      tried.detail = { keyFingerprint: result.keyFingerprint, teoRequestIds: result.teoRequestIds };
      if (result.outcome === 'synced') {
        tried.synced = read.value;
        // Someone changed TEO behind the binding; or a change no notification announced (one was lost).
        tried.drift = result.replacedForeignKey
          ? 'foreign-key'
          : trigger === 'schedule'
            ? 'found-by-schedule'
            : undefined;
        if (events) {
          tried.eventPublished = await events.announce({
            zoneId: binding.zoneId,
            keyFingerprint: result.keyFingerprint,
            requestId: result.requestId,
            caller: run.by,
            trigger: 'sync',
          });
        }
      }
    } catch (error) {
      tried.conflict = error instanceof RotationConflict;
      tried.failure = error;
    }
    tried.endedAt = monotonicMs();
    return tried;
  }

  /** What the binding's sync says of its health (the ledger), and its audit line with its metrics; never a value. */
  async function settle(
    tried: Attempt,
    trigger: SyncTrigger,
    { setup, clock }: Served,
  ): Promise<SyncedBinding> {
    const { binding, outcome, conflict, failure } = tried;
    let health: SyncHealth | undefined;
    // Whether the binding is healthy: a conflict (another writer of the zone at work) and a replay say nothing of it.
    if (!conflict && outcome !== 'replayed') {
      health = await setup.ledger
        .recordSync(binding.zoneId, {
          verified: outcome === 'synced' || outcome === 'in-sync',
          at: clock.now(),
        })
        .catch((error: unknown) => void tried.run.onLedgerFailure('recordSync', error));
    }
    writeAudit(tried.audit, {
      outcome,
      eventPublished: tried.eventPublished,
      drift: tried.drift,
      needsAttention: needsAttention(health),
      error: failure,
      endedAt: tried.endedAt,
      fields: {
        operation: 'sync',
        trigger,
        zone: binding.zoneId,
        sourceKind: binding.source.kind,
        ...tried.detail,
        consecutiveFailures: health?.consecutiveFailures || undefined,
        lastVerified: health?.lastVerified && new Date(health.lastVerified).toISOString(),
      },
    });
    return { zoneId: binding.zoneId, outcome, conflict };
  }

  /**
   * The bindings' secrets are read first, in as few requests as the managers allow, and their rate limits waited out
   * while the deadline allows. Then the bindings, a few at a time (each holds its zone's lease; TEO's calls are paced
   * below its limit); none is started with less time left than one could take, so the run ends before the Lambda
   * does and says what it left. Last, the secrets of the bindings synced are read again, in one batch, to catch a
   * value that changed meanwhile. The schedule takes the bindings verified longest ago first: a run that cannot
   * reach every binding leaves the ones it just verified for the next run, which reaches the rest.
   */
  async function syncAll(
    bindings: readonly Binding[],
    trigger: SyncTrigger,
    context: Context,
    served: Served,
    delivery?: string,
  ): Promise<SyncReport> {
    const ordered = trigger === 'schedule' ? await longestUnverifiedFirst(bindings, served) : bindings;
    const { setup, clock, retry } = served;
    const { config } = setup;
    const readers = readersFor(config);
    const deps: ZoneWriteDeps = { ...setup, retry };
    const remainingMs = () => context.getRemainingTimeInMillis();
    // A binding's TEO calls, then the batch that reads the synced ones' secrets again, then the answer.
    const reserve = config.teo.timeoutMs + MANAGER_TIMEOUT_MS + ANSWER_MARGIN_MS;
    // Nothing is read for a run with no time for any binding: each is deferred below.
    const reads =
      remainingMs() < reserve
        ? []
        : await readWithin(
            readers,
            ordered.map(({ source }) => source),
            { sleep: clock.sleep, remainingMs, reserveMs: MANAGER_TIMEOUT_MS + reserve },
          );
    const results: SyncedBinding[] = [];
    const synced: Attempt[] = [];
    let throttled = 0;
    await inTurns(ordered.length, config.pacing.concurrency, async (at) => {
      const binding = ordered[at] as Binding;
      const read = reads[at] as SourceRead;
      if (read instanceof SourceThrottled) throttled += 1;
      if (remainingMs() < reserve || read instanceof SourceThrottled) {
        results[at] = { zoneId: binding.zoneId, outcome: 'deferred', conflict: false };
        return;
      }
      const tried = await attempt(binding, read, trigger, context, served, deps, delivery);
      if (tried.synced === undefined) results[at] = await settle(tried, trigger, served);
      else synced.push(Object.assign(tried, { at }));
    });
    const again = await readWithin(
      readers,
      synced.map(({ binding }) => binding.source),
      { sleep: clock.sleep, remainingMs, reserveMs: ANSWER_MARGIN_MS },
    );
    await inTurns(synced.length, config.pacing.concurrency, async (index) => {
      const tried = synced[index] as Attempt & { at: number };
      const changed = changedDuringSync(tried.synced as string, again[index] as SourceRead);
      if (changed !== undefined) Object.assign(tried, { outcome: 'failed', failure: changed });
      results[tried.at] = await settle(tried, trigger, served);
    });
    const report = { trigger, results, throttled };
    served.trail.report = report;
    return report;
  }

  /** Never verified first, then by when each was last verified; a binding's order among equals is kept. */
  async function longestUnverifiedFirst(bindings: readonly Binding[], { setup }: Served) {
    const health = await setup.ledger.syncHealthOf(bindings.map(({ zoneId }) => zoneId));
    // Never verified sorts before any time (epoch milliseconds are positive).
    const verifiedAt = (binding: Binding) => health.get(binding.zoneId)?.lastVerified ?? 0;
    return [...bindings].sort((a, b) => verifiedAt(a) - verifiedAt(b));
  }

  /** POST /sync/doppler or /sync/infisical, as API Gateway delivers it. */
  async function webhook(event: unknown, context: Context, served: Served): Promise<HttpResponse> {
    const { setup, clock } = served;
    const answerBy = clock.now() + HTTP_API_TIMEOUT_MS;
    // The function may run 60 s for the schedule; API Gateway gives up on a webhook at 30: its syncs end before.
    const withinHttpApi: Context = {
      ...context,
      getRemainingTimeInMillis: () => Math.min(context.getRemainingTimeInMillis(), answerBy - clock.now()),
    };
    const request = readHttpRequest(event);
    const route = routeOf(request, SYNC_ROUTES);
    // Before any MAC: an anonymous sender cannot make the function hash megabytes.
    refuseOversizedBody(request.body);
    const { config } = setup;
    const bindings =
      route.sender === 'doppler'
        ? dopplerBindings(request, config.webhookSecrets.doppler, config.bindings)
        : infisicalBindings(request, config.webhookSecrets.infisical, config.bindings, clock.now());
    // Doppler signs no time and no id: its deliveries are told apart by their body (lib/domain/sync/doppler-replays.ts).
    const delivery =
      route.sender === 'doppler' ? createHash('sha256').update(request.body).digest('hex') : undefined;
    const report = await syncAll(bindings, route.sender, withinHttpApi, served, delivery);
    return syncResultsResponse(report.results);
  }

  /** The schedule: every binding, then, keyless, the credentials' health check. */
  async function scheduled(context: Context, served: Served) {
    const report = await syncAll(served.setup.config.bindings, 'schedule', context, served);
    await auditKeylessHealth(context, served.setup.config, { sts: options.sts, clock: served.clock });
    return report;
  }

  /** A Secrets Manager change through EventBridge, or the schedule. */
  async function notified(fields: Readonly<Record<string, unknown>>, context: Context, served: Served) {
    const { bindings } = served.setup.config;
    const report =
      fields.source === 'aws.secretsmanager' && fields['detail-type'] === 'Secret Label Updated'
        ? await syncAll(secretEventBindings(fields, bindings), 'secretsmanager', context, served)
        : fields.source === 'aws.events' && fields['detail-type'] === 'Scheduled Event'
          ? await scheduled(context, served)
          : undefined;
    if (report === undefined) {
      throw new InvalidRequest(
        'InvalidEvent',
        'The event is neither a sync webhook, a secret change nor the schedule.',
      );
    }
    // A notification's failure (or a binding it could not reach in time) makes the invocation fail: EventBridge
    // retries it, then hands it to the dead-letter queue. The schedule's does not: one binding's failure must not
    // re-run (and re-read) every other, and the next run retries it; a binding that keeps failing is reported as
    // needing attention (alarmed).
    const zonesWith = (outcome: SyncOutcome) =>
      report.results.filter((result) => result.outcome === outcome).map(({ zoneId }) => zoneId);
    const [failed, deferred] = [zonesWith('failed'), zonesWith('deferred')];
    if (report.trigger !== 'schedule' && failed.length + deferred.length > 0)
      throw new SyncFailed(failed, deferred);
    return report;
  }

  return assembleFunction<unknown, HttpResponse | SyncReport, SyncConfig, SyncTrail>(
    config,
    {
      begin: (context, event) => ({ audit: startAudit(context), event }),
      serve: (event, context, served) =>
        isHttpEvent(event)
          ? webhook(event, context, served)
          : notified(isJsonObject(event) ? event : {}, context, served),
      // A webhook is answered, its refusal in §2's body; an event's failure fails the invocation, for retries.
      answer: (error, trail) => (isHttpEvent(trail.event) ? refusalResponse(refusalFor(error)) : undefined),
      audit(trail, { error }) {
        if (trail.report && (trail.report.trigger === 'schedule' || deferredIn(trail.report) > 0)) {
          auditRun(trail.audit, trail.report);
        }
        // Each synced binding had its line; a run that failed for some of them says nothing more.
        if (error === undefined || error instanceof SyncFailed) return;
        const refusal = refusalFor(error);
        // Audited like any refused request: who sent what, bounded (whoever may invoke the function can send anything).
        const named = (value: unknown) => (typeof value === 'string' ? value.slice(0, 128) : undefined);
        const http = isHttpEvent(trail.event);
        const fields = isJsonObject(trail.event) && !http ? trail.event : {};
        writeAudit(trail.audit, {
          outcome: refusal.status >= 500 ? 'failed' : 'refused',
          error,
          fields: {
            operation: 'sync',
            status: http ? refusal.status : undefined,
            errorCode: refusal.code,
            source: named(fields.source),
            detailType: named(fields['detail-type']),
          },
        });
      },
    },
    options,
  );
}

/**
 * `task` for 0 … count-1, at most `concurrency` at once, each worker taking the next as it finishes: TEO's pace, not
 * the calls' latency, sets the run's length.
 */
async function inTurns(count: number, concurrency: number, task: (at: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    for (let at = next++; at < count; at = next++) await task(at);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

const deferredIn = ({ results }: SyncReport) =>
  results.filter(({ outcome }) => outcome === 'deferred').length;

/**
 * The run's own line: how many bindings it took, and how many it left for the next (counted, SyncDeferred), of which
 * how many for a manager's rate limit.
 */
function auditRun(audit: AuditStart, report: SyncReport) {
  const deferred = deferredIn(report);
  writeAudit(audit, {
    outcome: deferred > 0 ? 'deferred' : 'reconciled',
    deferred,
    fields: {
      operation: 'sync-run',
      trigger: report.trigger,
      bindings: report.results.length,
      reached: report.results.length - deferred,
      throttled: report.throttled || undefined,
    },
  });
}
