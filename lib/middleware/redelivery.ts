// docs/contract.md §5: a redelivered request (same webhook-id, or same Idempotency-Key, from the same caller) gets the first
// answer again without calling TEO twice; with another body, 409. The ledger keeps a digest of the body, never it.
import { createHash } from 'node:crypto';
import type { MiddlewareObj, Request } from '@middy/core';
import { InvalidRequest, RotationConflict } from '#lib/errors.ts';
import type { RotateEvent } from '#lib/http/request.ts';
import type { HttpResponse } from '#lib/http/responses.ts';
import type { RequestRecord, RotateContext } from '#lib/request-record.ts';
import { invocationEnd } from '#lib/rotation/invocation.ts';

/** How long an answer is kept for redeliveries; Standard Webhooks senders retry for up to a few days. */
export const KEEP_ANSWERS_MS = 3 * 24 * 60 * 60 * 1000;

const IDEMPOTENCY_KEY = /^[\x21-\x2b\x2d-\x7e]{1,255}$/;

type RotateMiddleware = MiddlewareObj<RotateEvent, HttpResponse, Error, RotateContext>;
type RotateRequest = Request<RotateEvent, HttpResponse, Error, RotateContext>;

/**
 * Answers worth giving again: a success, and TEO's own refusal of this request. After throttling, timeouts and
 * failures the claim is reopened, so that a redelivery tries again (repeating a rotation to the same key is
 * harmless), still first seen when it first arrived.
 */
const isFinal = (statusCode: number) => statusCode === 200 || statusCode === 422;

/**
 * Two hooks, because they sit at two places in the chain: `claim` after admission (the caller and the body are
 * known), `keepAnswer` outside errorResponses (middy runs onError hooks in reverse order of use, and the answer
 * to keep is the one errorResponses makes).
 */
export const redelivery: { claim: RotateMiddleware; keepAnswer: RotateMiddleware } = (() => {
  const finish = async ({ context, response }: RotateRequest) => {
    const key = context.rotator.claimedRequest;
    const ledger = context.rotator.setup?.ledger;
    if (key === undefined || ledger === undefined) return;
    const final = response !== undefined && response !== null && isFinal(response.statusCode);
    await ledger.finishRequest(key, final ? response : undefined, Date.now() + KEEP_ANSWERS_MS);
  };
  return {
    claim: {
      before: async ({ context }) => {
        const record = context.rotator;
        const id = requestId(record);
        const ledger = record.setup?.ledger;
        // Only a rotation is remembered: a dry run or a zone's status changes nothing worth answering again.
        const rotates = record.rotation !== undefined && !record.rotation.dryRun;
        if (
          id === undefined ||
          !rotates ||
          record.authenticated === undefined ||
          record.http === undefined ||
          !ledger
        )
          return;
        const key = `${record.authenticated.caller.name}#${id}`;
        const digest = createHash('sha256').update(record.http.body).digest('hex');
        const claim = await ledger.claimRequest(key, digest, {
          leaseUntil: invocationEnd(context),
          keepUntil: Date.now() + KEEP_ANSWERS_MS,
        });
        if (claim.kind === 'mismatch') {
          throw new RotationConflict(
            'IdempotentParameterMismatch',
            'This request id was used before with another body.',
          );
        }
        if (claim.kind === 'in-flight') {
          throw new RotationConflict(
            'RequestInProgress',
            'This request (the same webhook-id or Idempotency-Key) is already being processed; retry when it is done.',
          );
        }
        if (claim.kind === 'replay') record.replay = claim.answer;
        else {
          record.claimedRequest = key;
          record.firstSeen = claim.firstSeen;
        }
      },
    },
    keepAnswer: { after: finish, onError: finish },
  };
})();

/** The webhook-id of a webhook, else the Idempotency-Key header of any caller. */
function requestId(record: RequestRecord): string | undefined {
  const headers = record.http?.headers;
  const id =
    record.authenticated?.kind === 'webhook' ? headers?.get('webhook-id') : headers?.get('idempotency-key');
  if (id !== undefined && !IDEMPOTENCY_KEY.test(id)) {
    throw new InvalidRequest(
      'InvalidParameter',
      'Idempotency-Key must be 1 to 255 visible ASCII characters, without commas.',
    );
  }
  return id;
}
