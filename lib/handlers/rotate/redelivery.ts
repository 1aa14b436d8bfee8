// docs/contract.md §5: a redelivered request (same webhook-id, or same Idempotency-Key, from the same caller) gets the
// first answer again without calling TEO twice; with another body, 409. The ledger keeps a digest of the body, never it.
import { createHash } from 'node:crypto';
import type { MiddlewareObj, Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import { DELIVERY_ID } from '#lib/domain/delivery-id.ts';
import { InvalidRequest, RotationConflict } from '#lib/domain/errors.ts';
import { KEEP_DELIVERIES_MS, type RotationLedger } from '#lib/domain/ledger/rotation-ledger.ts';
import type { Clock } from '#lib/domain/retry.ts';
import type { AuthenticatedCaller } from '#lib/handlers/http/authenticate-caller.ts';
import type { HttpRequest, RotateEvent } from '#lib/handlers/http/request.ts';
import type { HttpResponse } from '#lib/handlers/http/responses.ts';
import type { RequestTrail } from '#lib/handlers/rotate/audit-trail.ts';

/**
 * Answers worth giving again: a success, and TEO's own refusal of this request. After throttling, timeouts and
 * failures the claim is reopened, so that a redelivery tries again (repeating a rotation to the same key is
 * harmless), still first seen when it first arrived.
 */
const isFinal = (statusCode: number | undefined) => statusCode === 200 || statusCode === 422;

/** The answer to give again, or when the request was first seen (a request without an id: now). */
export type Claimed = { readonly replay: HttpResponse } | { readonly firstSeen: number };

/**
 * Claims the request's id for this invocation, noting the claim in the trail so that keepAnswer finishes it; or
 * finds the first answer to give again; or refuses a request in flight or changed (409).
 */
export async function claimRequest(
  trail: RequestTrail,
  { request, caller, ledger }: Delivery,
  { now, leaseUntil }: { now: number; leaseUntil: number },
): Promise<Claimed> {
  const id = deliveryId(request, caller);
  if (id === undefined) return { firstSeen: now };
  const { key, digest } = id;
  const claim = await ledger.claimRequest(key, digest, { leaseUntil, keepUntil: now + KEEP_DELIVERIES_MS });
  switch (claim.kind) {
    case 'mismatch':
      throw new RotationConflict(
        'IdempotentParameterMismatch',
        'This request id was used before with another body.',
      );
    case 'in-flight':
      throw new RotationConflict(
        'RequestInProgress',
        'This request (the same webhook-id or Idempotency-Key) is already being processed; retry when it is done.',
      );
    case 'replay':
      trail.replay = claim.answer;
      return { replay: claim.answer };
    case 'new':
      trail.claim = { key, ledger };
      return { firstSeen: claim.firstSeen };
  }
}

/**
 * Finishes this invocation's claim with the answer given. In the chain between the audit trail and errorResponses:
 * middy runs onError hooks in the reverse order of use, so the answer it keeps is the one errorResponses made.
 */
export const keepAnswer = (
  trailOf: (context: Context) => RequestTrail,
  clock: Clock,
): MiddlewareObj<RotateEvent, HttpResponse> => {
  const finish = async ({ context, response }: Request<RotateEvent, HttpResponse>) => {
    const { claim } = trailOf(context);
    if (claim === undefined) return;
    // errorResponses has answered every error by the time this runs, so there is always a response here.
    const final = isFinal(response?.statusCode);
    try {
      await claim.ledger.finishRequest(
        claim.key,
        final ? response : undefined,
        clock.now() + KEEP_DELIVERIES_MS,
      );
    } catch (error) {
      // The answer stands: a rotation TEO applied is not turned into a 500. Unfinished, the claim lapses at the
      // invocation's end, and a redelivery then runs again (to the same key: harmless).
      trailOf(context).audit.tally.ledgerFailures.push({ operation: 'finishRequest', error });
    }
  };
  return { after: finish, onError: finish };
};

interface Delivery {
  readonly request: HttpRequest;
  readonly caller: AuthenticatedCaller;
  readonly ledger: RotationLedger;
}

/**
 * A webhook whose signature verified but that is refused for its time (clock skew): its id is recorded as first
 * seen now, unanswered, so that a redelivery of it can never count as newer than what arrives meanwhile. A failure
 * to record it is reported; the refusal stands.
 */
export async function noteRefusedDelivery(trail: RequestTrail, delivery: Delivery, now: number) {
  const id = deliveryId(delivery.request, delivery.caller);
  // Stryker disable next-line ConditionalExpression: a webhook whose signature verified has its id; this is for the type.
  if (id === undefined) return;
  try {
    // A claim whose lease has already lapsed: its first-seen time is kept, unanswered, for the redelivery to claim.
    await delivery.ledger.claimRequest(id.key, id.digest, {
      leaseUntil: now,
      keepUntil: now + KEEP_DELIVERIES_MS,
    });
  } catch (error) {
    trail.audit.tally.ledgerFailures.push({ operation: 'claimRequest', error });
  }
}

/**
 * The delivery's id in the ledger, by caller (the webhook-id of a webhook, else the Idempotency-Key header of any
 * caller), and its body's digest; undefined when it carries none.
 */
function deliveryId(
  { headers, body }: HttpRequest,
  { kind, caller }: AuthenticatedCaller,
): { readonly key: string; readonly digest: string } | undefined {
  const id = kind === 'webhook' ? headers.get('webhook-id') : headers.get('idempotency-key');
  if (id === undefined) return undefined;
  if (!DELIVERY_ID.test(id)) {
    throw new InvalidRequest(
      'InvalidParameter',
      'Idempotency-Key must be 1 to 255 visible ASCII characters, without commas.',
    );
  }
  return { key: `${caller.name}#${id}`, digest: createHash('sha256').update(body).digest('hex') };
}
