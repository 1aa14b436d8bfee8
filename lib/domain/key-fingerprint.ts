import { createHmac } from 'node:crypto';

/** How this deployment names a key without showing it: a fingerprint, from the key's base64 text. */
export type KeyFingerprint = (secretKeyBase64: string) => string;

/** The fingerprint key's least length: 32 characters, as the template's generated one (64) exceeds. */
export const MIN_FINGERPRINT_KEY_CHARS = 32;

/**
 * docs/contract.md §6: the first 16 hex characters of HMAC-SHA256 of the decoded key, under the deployment's own
 * fingerprint key. Keyed, so that a fingerprint on a log line, an event or a zone status cannot be used to test
 * guesses of a key offline: only the function, which holds the fingerprint key, can tell which key one names.
 */
export const keyFingerprinter =
  (fingerprintKey: string): KeyFingerprint =>
  (secretKeyBase64) =>
    createHmac('sha256', fingerprintKey)
      .update(Buffer.from(secretKeyBase64, 'base64'))
      .digest('hex')
      .slice(0, 16);
