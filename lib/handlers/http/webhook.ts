// Standard Webhooks v1 (docs/contract.md §4): HMAC-SHA256 over `${id}.${timestamp}.${raw body}` with a caller's secret.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Caller } from '#lib/domain/caller.ts';
import { DELIVERY_ID } from '#lib/domain/delivery-id.ts';
import type { HttpRequest } from '#lib/handlers/http/request.ts';

export const WEBHOOK_TOLERANCE_SECONDS = 300;
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
export const MIN_WEBHOOK_SECRET_BYTES = 24;

/**
 * A comma or white space in an id or a timestamp means two headers joined by API Gateway, or junk: refused,
 * so that no value used for the signature can differ from one used for freshness or redelivery.
 */
const TIMESTAMP = /^[0-9]{1,12}$/;
const SIGNATURE_ENTRY = /^v1,([A-Za-z0-9+/]{43}=)$/;

/** The decoded key of a `whsec_<base64>` secret, or why it is unusable. */
export function decodeWebhookSecret(secret: string): Buffer | string {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX))
    return `each webhook secret must start with ${WEBHOOK_SECRET_PREFIX}`;
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(encoded)) {
    return `each webhook secret must be ${WEBHOOK_SECRET_PREFIX} followed by standard base64`;
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.byteLength < MIN_WEBHOOK_SECRET_BYTES) {
    return `each webhook secret must decode to at least ${MIN_WEBHOOK_SECRET_BYTES} bytes`;
  }
  return key;
}

/** `signedBy`: the request's MAC verified, but it is refused for its time; its id is still worth recording. */
export type WebhookVerdict = { caller: Caller } | { reason: string; signedBy?: Caller };

export function verifyWebhook(
  request: HttpRequest,
  callers: readonly Caller[],
  nowSeconds: number,
): WebhookVerdict {
  const id = request.headers.get('webhook-id') ?? '';
  const timestamp = request.headers.get('webhook-timestamp') ?? '';
  const signatures = signaturesIn(request.headers.get('webhook-signature') ?? '');
  if (!DELIVERY_ID.test(id)) return { reason: 'webhook-id missing or malformed' };
  if (!TIMESTAMP.test(timestamp)) return { reason: 'webhook-timestamp missing or not decimal seconds' };
  if (signatures.length === 0) return { reason: 'webhook-signature has no v1 entry' };
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), request.body]);
  let match: Caller | undefined;
  // Every secret against every entry, with no early exit: timing says nothing about which came close.
  for (const caller of callers) {
    if (caller.credential.kind !== 'webhook') continue;
    for (const key of caller.credential.keys) {
      const expected = createHmac('sha256', key).update(signed).digest();
      for (const signature of signatures) if (timingSafeEqual(expected, signature)) match = caller;
    }
  }
  if (match === undefined) return { reason: 'webhook-signature matches no listed secret' };
  // Checked after the MAC, so that a genuine delivery refused for clock skew is still known for what it is.
  if (Math.abs(nowSeconds - Number(timestamp)) > WEBHOOK_TOLERANCE_SECONDS) {
    return { reason: 'webhook-timestamp outside the 5-minute window', signedBy: match };
  }
  return { caller: match };
}

/**
 * The v1 entries of a space-separated list, decoded; other versions and malformed entries are not evidence. Only
 * canonical base64 counts: otherwise altering the unused bits of the last character would leave a valid MAC.
 */
const signaturesIn = (header: string) =>
  header.split(' ').flatMap((entry) => {
    const encoded = SIGNATURE_ENTRY.exec(entry)?.[1];
    if (encoded === undefined) return [];
    const mac = Buffer.from(encoded, 'base64');
    return mac.toString('base64') === encoded ? [mac] : [];
  });
