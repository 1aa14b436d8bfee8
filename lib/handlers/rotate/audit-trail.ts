import type { RotationLedger } from '#lib/domain/ledger/rotation-ledger.ts';
import type { HttpRotationRequest } from '#lib/domain/rotation-request.ts';
import { type AuditStart, writeAudit } from '#lib/handlers/audit/audit-log.ts';
import type { AuthenticatedCaller } from '#lib/handlers/http/authenticate-caller.ts';
import type { HttpRequest } from '#lib/handlers/http/request.ts';
import type { HttpResponse, Refusal } from '#lib/handlers/http/responses.ts';

/** What the request has established so far: each field is set by the stage that established it. */
export interface RequestTrail {
  readonly audit: AuditStart;
  http?: HttpRequest;
  authenticated?: AuthenticatedCaller;
  rotation?: HttpRotationRequest;
  /** The requested key's fingerprint, never the key. */
  keyFingerprint?: string;
  /** The zone a GET /zones/{ZoneId} asks about, once validated. */
  statusOf?: string;
  /** What a successful request did, when it is not a rotation: a dry run, or a zone's status. */
  done?: 'dry-run' | 'described';
  /** The request id this invocation claimed, and where: finished when the request is answered. */
  claim?: { readonly key: string; readonly ledger: RotationLedger };
  /** The first answer to a redelivered request, given again. */
  replay?: HttpResponse;
  eventPublished?: boolean;
  teoRequestId?: string;
  settledBy?: string | undefined;
  /** A zone's status answered from a Describe made in the last second (lib/handlers/rotate/live-key-cache.ts). */
  describeReused?: true | undefined;
  /** The rotation set the zone's first key. */
  firstKey?: true | undefined;
  refusal?: Refusal;
}

const MAX_LOGGED_PATH_CHARS = 256;

/** The request's audit line, once its answer (or the error it could not answer) is known. */
export function auditRequest(
  trail: RequestTrail,
  { response, error }: { readonly response: HttpResponse | undefined; readonly error: unknown },
) {
  const status = response?.statusCode ?? 500;
  writeAudit(trail.audit, {
    outcome: outcomeOf(trail, status),
    eventPublished: trail.eventPublished,
    error: error ?? undefined,
    fields: fieldsOf(trail, status),
  });
}

/** A replayed answer, a dry run or a zone's status is not another rotation: the metrics must not count it as one. */
function outcomeOf(trail: RequestTrail, status: number) {
  if (trail.replay) return 'replayed';
  if (status < 300) return trail.done ?? 'rotated';
  return status < 500 ? 'refused' : 'failed';
}

function fieldsOf(trail: RequestTrail, status: number) {
  return {
    status,
    caller: trail.authenticated?.caller.name,
    authKind: trail.authenticated?.kind,
    zone: trail.rotation?.zoneId ?? trail.statusOf,
    dryRun: trail.rotation?.dryRun || undefined,
    keyFingerprint: trail.keyFingerprint,
    teoRequestId: trail.teoRequestId ?? trail.refusal?.requestId,
    settledBy: trail.settledBy,
    firstKey: trail.firstKey,
    describeReused: trail.describeReused,
    replayed: trail.replay !== undefined || undefined,
    method: trail.http?.method,
    // Whatever an anonymous caller sent, bounded, as the user agent is.
    path: trail.http?.path.slice(0, MAX_LOGGED_PATH_CHARS),
    // Who asked, even when refused: the ARN AWS verified (listed or not), and where the request came from.
    principal: trail.http?.iamPrincipal,
    sourceIp: trail.http?.sourceIp,
    userAgent: trail.http?.userAgent,
    errorCode: trail.refusal?.code,
  };
}
