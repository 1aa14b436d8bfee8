// docs/contract.md §6's metrics in CloudWatch Embedded Metric Format, carried by each request's audit line (EMF reads any log
// line with an `_aws` block): rotations by outcome, TEO latency, retries. Built here rather than by Powertools
// Metrics, which cost about 20 µs a request (environment and invoke-store checks on every call) for these three
// metrics and one dimension: measured in BENCHMARKS.md.
import { SERVICE_NAME } from '#lib/handlers/audit/log-line.ts';

export const METRICS_NAMESPACE = 'TeoKeyRotator';

export interface RequestMetrics {
  readonly outcome: string;
  /** One value per TEO call. */
  readonly teoLatenciesMs: readonly number[];
  /** Modify and Create calls sent; 0 when the request never reached TEO. */
  readonly teoAttempts: number;
  /** Ledger writes that failed after the work they were to record (alarmed). */
  readonly ledgerFailures: number;
  /** A sync found TEO off its source: a key someone else set, or a change only the schedule caught (alarmed). */
  readonly drift: boolean;
  /** A bound zone whose syncs failed several times in a row (alarmed). */
  readonly needsAttention: boolean;
  /** Bindings a sync run left for the next run, short of time. */
  readonly deferred: number;
  /** A rotation was applied but its event could not be published. */
  readonly eventPublishFailed: boolean;
  /** Keyless credentials failed their health check, or will (alarmed). */
  readonly keylessUnhealthy: boolean;
}

/** The EMF fields to merge into a log line that already has `service`, the dimension both share. */
export function embeddedMetrics(
  {
    outcome,
    teoLatenciesMs,
    teoAttempts,
    ledgerFailures,
    drift,
    needsAttention,
    deferred,
    eventPublishFailed,
    keylessUnhealthy,
  }: RequestMetrics,
  now = Date.now(),
) {
  const teo = teoAttempts > 0;
  return {
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [['service', 'Outcome']],
          Metrics: [
            { Name: 'Rotations', Unit: 'Count' },
            ...(teoLatenciesMs.length > 0 ? [{ Name: 'TeoLatency', Unit: 'Milliseconds' }] : []),
            ...(teo ? [{ Name: 'TeoRetries', Unit: 'Count' }] : []),
            ...(eventPublishFailed ? [{ Name: 'EventPublishFailures', Unit: 'Count' }] : []),
          ],
        },
        // By service alone: one alarm each, whatever the request's outcome was.
        ...(ledgerFailures > 0 || drift || needsAttention || deferred > 0 || keylessUnhealthy
          ? [
              {
                Namespace: METRICS_NAMESPACE,
                Dimensions: [['service']],
                Metrics: [
                  ...(ledgerFailures > 0 ? [{ Name: 'LedgerFailures', Unit: 'Count' }] : []),
                  ...(drift ? [{ Name: 'SyncDrift', Unit: 'Count' }] : []),
                  ...(needsAttention ? [{ Name: 'SyncNeedsAttention', Unit: 'Count' }] : []),
                  ...(deferred > 0 ? [{ Name: 'SyncDeferred', Unit: 'Count' }] : []),
                  ...(keylessUnhealthy ? [{ Name: 'KeylessUnhealthy', Unit: 'Count' }] : []),
                ],
              },
            ]
          : []),
      ],
    },
    service: SERVICE_NAME,
    Outcome: outcome,
    Rotations: 1,
    ...(teoLatenciesMs.length > 0 && { TeoLatency: teoLatenciesMs }),
    ...(teo && { TeoRetries: teoAttempts - 1 }),
    ...(eventPublishFailed && { EventPublishFailures: 1 }),
    ...(ledgerFailures > 0 && { LedgerFailures: ledgerFailures }),
    ...(drift && { SyncDrift: 1 }),
    ...(needsAttention && { SyncNeedsAttention: 1 }),
    ...(deferred > 0 && { SyncDeferred: deferred }),
    ...(keylessUnhealthy && { KeylessUnhealthy: 1 }),
  };
}
