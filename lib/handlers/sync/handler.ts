// The sync function, assembled (docs/contract.md §8): a verified notification (Doppler or Infisical webhook, an
// EventBridge event for a Secrets Manager secret) or the schedule selects bindings; each is synced and audited.
import { createHash } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { createSecretReaders } from '#lib/adapters/managers/secret-readers.ts';
import {
  InvalidRequest,
  MethodNotAllowed,
  RotationConflict,
  RouteNotFound,
  SyncFailed,
} from '#lib/domain/errors.ts';
import { isJsonObject } from '#lib/domain/json-object.ts';
import type { RetryPolicy } from '#lib/domain/retry.ts';
import { DEFAULT_RETRY } from '#lib/domain/rotation/send-key.ts';
import { refuseOversizedBody } from '#lib/domain/rotation-request.ts';
import type { Binding } from '#lib/domain/sync/binding.ts';
import type { SecretReaders } from '#lib/domain/sync/secret-source.ts';
import { type SyncOutcome, syncBinding } from '#lib/domain/sync/sync-binding.ts';
import { startAudit, writeAudit } from '#lib/handlers/audit/audit-log.ts';
import { type ConfigSource, currentConfig, fixedSource } from '#lib/handlers/config/config-source.ts';
import { functionSetup, type SetupOptions } from '#lib/handlers/config/function-setup.ts';
import type { Loaded } from '#lib/handlers/config/loaded.ts';
import type { SyncConfig } from '#lib/handlers/config/sync-config.ts';
import { readHttpRequest } from '#lib/handlers/http/request.ts';
import { type HttpResponse, refusalFor, refusalResponse } from '#lib/handlers/http/responses.ts';
import { runOf } from '#lib/handlers/invocation.ts';
import { dopplerBindings, infisicalBindings, secretEventBindings } from '#lib/handlers/sync/notifications.ts';

export type SyncTrigger = 'doppler' | 'infisical' | 'secretsmanager' | 'schedule';

export interface SyncHandlerOptions extends SetupOptions {
  readonly readers?: SecretReaders;
  readonly retry?: RetryPolicy;
  readonly now?: () => number;
}

export interface SyncedBinding {
  readonly zoneId: string;
  readonly outcome: SyncOutcome;
  /** Failed because another rotation or sync of the zone was in flight: answered 409, as /rotate would. */
  readonly conflict: boolean;
}

export interface SyncReport {
  readonly trigger: SyncTrigger;
  readonly results: readonly SyncedBinding[];
}

/** What a sender is answered: 2xx once every binding is synced or found in sync, an honest error otherwise. */
const STATUS: Record<SyncOutcome, number> = {
  synced: 200,
  'in-sync': 200,
  replayed: 200,
  'invalid-value': 422,
  failed: 502,
};

/** How long API Gateway's HTTP API waits for an integration's answer. */
const HTTP_API_TIMEOUT_MS = 30_000;

export function createSyncHandler(
  config: Loaded<SyncConfig> | ConfigSource<SyncConfig>,
  options: SyncHandlerOptions = {},
) {
  const source = 'current' in config ? config : fixedSource(config);
  const now = options.now ?? Date.now;
  const setupFor = functionSetup<SyncConfig>(options);
  let readers: { config: SyncConfig; readers: SecretReaders } | undefined;

  async function configured() {
    const config = await currentConfig(source);
    if (readers?.config !== config) {
      readers = { config, readers: options.readers ?? createSecretReaders(config.managers) };
    }
    return { ...setupFor(config), readers: readers.readers };
  }

  /** One binding, one audit line with its metrics; the outcome, never a value. */
  async function sync(
    binding: Binding,
    trigger: SyncTrigger,
    context: Context,
    delivery?: string,
  ): Promise<SyncedBinding> {
    const audit = startAudit(context);
    const { config, teo, ledger, readers, events } = await configured();
    const run = runOf(context, audit.tally, {
      firstSeen: now(),
      by: `sync:${binding.source.kind}`,
      fingerprint: config.fingerprint,
    });
    let outcome: SyncOutcome = 'failed';
    let conflict = false;
    let failure: unknown;
    let eventPublished: boolean | undefined;
    let drift: 'foreign-key' | 'found-by-schedule' | undefined;
    let detail: Record<string, unknown> = {};
    try {
      const result = await syncBinding(
        binding,
        { teo, ledger, readers, retry: options.retry ?? DEFAULT_RETRY },
        run,
        delivery,
      );
      outcome = result.outcome;
      detail = { keyFingerprint: result.keyFingerprint, teoRequestIds: result.teoRequestIds };
      if (result.outcome === 'synced') {
        // Someone changed TEO behind the binding; or a change no notification announced (one was lost).
        drift = result.replacedForeignKey
          ? 'foreign-key'
          : trigger === 'schedule'
            ? 'found-by-schedule'
            : undefined;
      }
      if (result.outcome === 'synced' && events) {
        eventPublished = await events.announce({
          zoneId: binding.zoneId,
          keyFingerprint: result.keyFingerprint,
          requestId: result.requestId,
          caller: run.by,
          trigger: 'sync',
        });
      }
    } catch (error) {
      conflict = error instanceof RotationConflict;
      failure = error;
    }
    writeAudit(audit, {
      outcome,
      eventPublished,
      drift,
      error: failure,
      fields: {
        operation: 'sync',
        trigger,
        zone: binding.zoneId,
        sourceKind: binding.source.kind,
        ...detail,
      },
    });
    return { zoneId: binding.zoneId, outcome, conflict };
  }

  async function syncAll(
    bindings: readonly Binding[],
    trigger: SyncTrigger,
    context: Context,
    delivery?: string,
  ): Promise<SyncReport> {
    const results: SyncedBinding[] = [];
    // One after the other: each holds its zone's lease, and TEO allows 20 requests a second.
    for (const binding of bindings) results.push(await sync(binding, trigger, context, delivery));
    return { trigger, results };
  }

  /** POST /sync/doppler or /sync/infisical, as API Gateway delivers it. */
  async function webhook(event: unknown, context: Context): Promise<HttpResponse> {
    const audit = startAudit(context);
    const answerBy = now() + HTTP_API_TIMEOUT_MS;
    // The function may run 60 s for the schedule; API Gateway gives up on a webhook at 30: its syncs end before.
    const withinHttpApi: Context = {
      ...context,
      getRemainingTimeInMillis: () => Math.min(context.getRemainingTimeInMillis(), answerBy - now()),
    };
    try {
      const request = readHttpRequest(event);
      const trigger = /^\/sync\/(doppler|infisical)$/.exec(request.path)?.[1] as
        | 'doppler'
        | 'infisical'
        | undefined;
      if (trigger === undefined) {
        throw new RouteNotFound(
          'Nothing is served at this path; see POST /sync/doppler and POST /sync/infisical.',
        );
      }
      if (request.method !== 'POST') throw new MethodNotAllowed(`${request.path} accepts only POST.`, 'POST');
      // Before any MAC: an anonymous sender cannot make the function hash megabytes.
      refuseOversizedBody(request.body);
      const { config } = await configured();
      const bindings =
        trigger === 'doppler'
          ? dopplerBindings(request, config.webhookSecrets.doppler, config.bindings)
          : infisicalBindings(request, config.webhookSecrets.infisical, config.bindings, now());
      // Doppler signs no time and no id: its deliveries are told apart by their body (lib/domain/sync/doppler-replays.ts).
      const delivery =
        trigger === 'doppler' ? createHash('sha256').update(request.body).digest('hex') : undefined;
      const report = await syncAll(bindings, trigger, withinHttpApi, delivery);
      const status = Math.max(
        200,
        ...report.results.map(({ outcome, conflict }) => (conflict ? 409 : STATUS[outcome])),
      );
      return {
        statusCode: status,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        body: JSON.stringify({
          Results: report.results.map(({ zoneId, outcome }) => ({ ZoneId: zoneId, Outcome: outcome })),
        }),
      };
    } catch (error) {
      const refusal = refusalFor(error);
      writeAudit(audit, {
        outcome: refusal.status >= 500 ? 'failed' : 'refused',
        error,
        fields: { operation: 'sync', status: refusal.status, errorCode: refusal.code },
      });
      return refusalResponse(refusal);
    }
  }

  return async (event: unknown, context: Context): Promise<HttpResponse | SyncReport> => {
    const fields = isJsonObject(event) ? event : {};
    if ('requestContext' in fields) return webhook(event, context);
    const { bindings } = (await configured()).config;
    const report =
      fields.source === 'aws.secretsmanager' && fields['detail-type'] === 'Secret Label Updated'
        ? await syncAll(secretEventBindings(fields, bindings), 'secretsmanager', context)
        : fields.source === 'aws.events' && fields['detail-type'] === 'Scheduled Event'
          ? await syncAll(bindings, 'schedule', context)
          : undefined;
    if (report === undefined) {
      const refused = new InvalidRequest(
        'InvalidEvent',
        'The event is neither a sync webhook, a secret change nor the schedule.',
      );
      // Audited like any refused request: who sent what, bounded (whoever may invoke the function can send anything).
      const named = (value: unknown) => (typeof value === 'string' ? value.slice(0, 128) : undefined);
      writeAudit(startAudit(context), {
        outcome: 'refused',
        error: refused,
        fields: {
          operation: 'sync',
          errorCode: refused.code,
          source: named(fields.source),
          detailType: named(fields['detail-type']),
        },
      });
      throw refused;
    }
    // A failure makes the invocation fail: EventBridge retries it, then hands it to the dead-letter queue.
    if (report.results.some(({ outcome }) => outcome === 'failed')) {
      throw new SyncFailed(
        report.results.filter(({ outcome }) => outcome === 'failed').map(({ zoneId }) => zoneId),
      );
    }
    return report;
  };
}
