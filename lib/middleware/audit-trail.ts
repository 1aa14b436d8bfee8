// SPEC §6: exactly one structured line per request, refused ones included, that never holds a secret, and that
// carries the request's metrics: rotations by outcome, TEO latency, retries.

import type { MiddlewareObj, Request } from '@middy/core';
import { writeAuditLine } from '#lib/audit-log.ts';
import { AuthenticationFailed, ConfigurationInvalid } from '#lib/errors.ts';
import type { RotateEvent } from '#lib/http/request.ts';
import type { HttpResponse } from '#lib/http/responses.ts';
import { keyFingerprint } from '#lib/key-fingerprint.ts';
import { embeddedMetrics } from '#lib/metrics.ts';
import type { RotateContext } from '#lib/request-record.ts';
import { TeoRefused, TeoUnreachable } from '#lib/teo/errors.ts';

type RotateRequest = Request<RotateEvent, HttpResponse, Error, RotateContext>;

export const auditTrail = (): MiddlewareObj<RotateEvent, HttpResponse, Error, RotateContext> => ({
  before: ({ context }) => {
    context.rotator = { startedAt: performance.now(), teoAttempts: 0, teoLatenciesMs: [] };
  },
  after: audit,
  onError: audit,
});

function audit({ context, response, error }: RotateRequest) {
  const record = context.rotator;
  const status = response?.statusCode ?? 500;
  const line = {
    outcome: status < 300 ? 'rotated' : status < 500 ? 'refused' : 'failed',
    status,
    caller: record.authenticated?.caller.name,
    authKind: record.authenticated?.kind,
    zone: record.rotation?.zoneId,
    keyFingerprint: record.rotation && keyFingerprint(record.rotation.secretKey),
    teoRequestId: record.teoRequestId ?? record.refusal?.requestId,
    teoAttempts: record.teoAttempts,
    settledBy: record.settledBy,
    replayed: record.replay !== undefined || undefined,
    durationMs: Math.round(performance.now() - record.startedAt),
    method: record.http?.method,
    path: record.http?.path,
    errorCode: record.refusal?.code,
    errorDetail: error ? explain(error) : undefined,
  };
  // The metrics ride on the audit line: one write per request instead of two. Measured in BENCHMARKS.md.
  const metrics = {
    outcome: line.outcome,
    teoLatenciesMs: record.teoLatenciesMs,
    teoAttempts: record.teoAttempts,
  };
  const withMetrics = { ...line, ...embeddedMetrics(metrics) };
  writeAuditLine(status >= 500 ? 'ERROR' : 'INFO', context, withMetrics);
}

/** For operators: why, in words that were written to hold no secret. */
function explain(error: Error): string | readonly string[] {
  if (error instanceof AuthenticationFailed) return error.reason;
  if (error instanceof ConfigurationInvalid) return error.problems;
  if (error instanceof TeoRefused) return `TEO ${error.code}: ${error.message}`;
  if (error instanceof TeoUnreachable) return error.message;
  return `${error.name}: ${error.message}`;
}
