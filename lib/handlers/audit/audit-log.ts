// The audit line, built in one place for the three functions: one per request, rotation step or synced binding,
// with the fields Powertools' Lambda context injection would add, the outcome, what was asked of TEO, how long it
// took, why it failed, and the request's metrics (docs/contract.md §6).
import type { Context } from 'aws-lambda';
import { AuthenticationFailed, ConfigurationInvalid } from '#lib/domain/errors.ts';
import { writeLogLine } from '#lib/handlers/audit/log-line.ts';
import { embeddedMetrics } from '#lib/handlers/audit/metrics.ts';

let coldStart = true;

/**
 * Milliseconds on a monotonic clock. Not performance.now(): a process's first use of `performance` loads perf_hooks,
 * about 1.7 ms at the first request of a cold start (BENCHMARKS.md).
 */
export const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

/** What an audit line counts of the work's outbound calls. */
export interface CallTally {
  /** Modify and Create calls sent, counted as each starts: from the first, the requested key may be live. */
  teoAttempts: number;
  teoLatenciesMs: number[];
  /**
   * Ledger writes that failed after the work they were to record: the answer stands (TEO's word on the key is
   * what the caller must hear), and the line, at ERROR, says which write failed.
   */
  ledgerFailures: { readonly operation: string; readonly error: unknown }[];
}

/** What one audited unit of work is tracking while it runs. */
export interface AuditStart {
  readonly context: Context;
  /** monotonicMs() when the work began. */
  readonly startedAt: number;
  readonly tally: CallTally;
}

export const startAudit = (context: Context): AuditStart => ({
  context,
  startedAt: monotonicMs(),
  tally: { teoAttempts: 0, teoLatenciesMs: [], ledgerFailures: [] },
});

export interface AuditOutcome {
  /** `rotated`, `refused`, `failed`, ...: the metrics' Outcome dimension. */
  readonly outcome: string;
  /** Whether the rotation event reached EventBridge; absent when none was due. */
  readonly eventPublished?: boolean | undefined;
  /** How a sync found TEO off its source, when it did: someone else's key, or a change only the schedule caught. */
  readonly drift?: 'foreign-key' | 'found-by-schedule' | undefined;
  /** A bound zone whose syncs failed several times in a row: someone must look (alarmed). */
  readonly needsAttention?: boolean | undefined;
  /** Bindings a sync run left for the next, short of time. */
  readonly deferred?: number;
  readonly error?: unknown;
  /** monotonicMs() when the work ended, when that was before its line is written; now, unless given. */
  readonly endedAt?: number | undefined;
  /** What this kind of work adds: the caller, the zone, the step... Undefined fields are left out. */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Only what needs someone is an ERROR: a failure, a value that can never be applied, keyless credentials at risk. */
const ALARMING = new Set(['failed', 'invalid-value', 'unhealthy']);

export function writeAudit(
  { context, startedAt, tally }: AuditStart,
  {
    outcome,
    eventPublished,
    drift,
    needsAttention = false,
    deferred = 0,
    error,
    endedAt,
    fields,
  }: AuditOutcome,
) {
  const { ledgerFailures } = tally;
  const alarming =
    ALARMING.has(outcome) || ledgerFailures.length > 0 || drift !== undefined || needsAttention;
  writeLogLine(alarming ? 'ERROR' : 'INFO', 'rotation request', {
    cold_start: coldStart,
    function_name: context.functionName,
    function_request_id: context.awsRequestId,
    xray_trace_id: process.env._X_AMZN_TRACE_ID,
    outcome,
    ...fields,
    drift,
    needsAttention: needsAttention || undefined,
    teoAttempts: tally.teoAttempts,
    eventPublished,
    durationMs: Math.round((endedAt ?? monotonicMs()) - startedAt),
    errorDetail: error === undefined ? undefined : explainFailure(error),
    ledgerFailures:
      ledgerFailures.length === 0
        ? undefined
        : ledgerFailures.map(({ operation, error }) => `${operation}: ${explainFailure(error)}`),
    // The metrics ride on the audit line: one write per request instead of two. Measured in BENCHMARKS.md.
    ...embeddedMetrics({
      outcome,
      ...tally,
      ledgerFailures: ledgerFailures.length,
      drift: drift !== undefined,
      needsAttention,
      deferred,
      eventPublishFailed: eventPublished === false,
      keylessUnhealthy: outcome === 'unhealthy',
    }),
  });
  coldStart = false;
}

/** Why a request or step failed, for operators, in words that were written to hold no secret. */
export function explainFailure(error: unknown): string | readonly string[] {
  if (error instanceof AuthenticationFailed) return error.reason;
  if (error instanceof ConfigurationInvalid) return error.problems;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
