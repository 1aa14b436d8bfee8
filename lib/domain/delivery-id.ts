/**
 * docs/contract.md §5: a delivery's id, as a webhook's `webhook-id` or any caller's `Idempotency-Key`: 1 to 255
 * visible ASCII characters, without commas (a comma is two headers joined by API Gateway). One rule for both, since
 * both name the same thing in the ledger.
 */
export const DELIVERY_ID = /^[\x21-\x2b\x2d-\x7e]{1,255}$/;
