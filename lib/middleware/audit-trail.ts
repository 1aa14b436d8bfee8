// docs/contract.md §6: exactly one structured line per request, refused ones included, that never holds a secret, and that
// carries the request's metrics: rotations by outcome, TEO latency, retries.

import type { MiddlewareObj, Request } from '@middy/core';
import { explainFailure, writeAuditLine } from '#lib/audit-log.ts';
import type { RotateEvent } from '#lib/http/request.ts';
import type { HttpResponse } from '#lib/http/responses.ts';
import { keyFingerprint } from '#lib/key-fingerprint.ts';
import { embeddedMetrics } from '#lib/metrics.ts';
import type { RotateContext } from '#lib/request-record.ts';

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
    // A replayed answer, a dry run or a zone's status is not another rotation: the metrics must not count it as one.
    outcome: record.replay
      ? 'replayed'
      : status < 300
        ? (record.done ?? 'rotated')
        : status < 500
          ? 'refused'
          : 'failed',
    status,
    caller: record.authenticated?.caller.name,
    authKind: record.authenticated?.kind,
    zone: record.rotation?.zoneId ?? record.statusOf,
    dryRun: record.rotation?.dryRun || undefined,
    eventPublished: record.eventPublished,
    keyFingerprint: record.rotation && keyFingerprint(record.rotation.secretKey),
    teoRequestId: record.teoRequestId ?? record.refusal?.requestId,
    teoAttempts: record.teoAttempts,
    settledBy: record.settledBy,
    replayed: record.replay !== undefined || undefined,
    durationMs: Math.round(performance.now() - record.startedAt),
    method: record.http?.method,
    path: record.http?.path,
    // Who asked, even when refused: the ARN AWS verified (listed or not), and where the request came from.
    principal: record.http?.iamPrincipal,
    sourceIp: record.http?.sourceIp,
    userAgent: record.http?.userAgent,
    errorCode: record.refusal?.code,
    errorDetail: error ? explainFailure(error) : undefined,
  };
  // The metrics ride on the audit line: one write per request instead of two. Measured in BENCHMARKS.md.
  const metrics = {
    outcome: line.outcome,
    teoLatenciesMs: record.teoLatenciesMs,
    teoAttempts: record.teoAttempts,
    eventPublishFailed: record.eventPublished === false,
  };
  const withMetrics = { ...line, ...embeddedMetrics(metrics) };
  writeAuditLine(status >= 500 ? 'ERROR' : 'INFO', context, withMetrics);
}
