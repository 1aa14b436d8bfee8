import { createHash } from 'node:crypto';

/** docs/contract.md §6: first 16 hex chars of SHA-256 of the decoded key, so operators can tell keys apart without seeing one. */
export const keyFingerprint = (secretKeyBase64: string) =>
  createHash('sha256').update(Buffer.from(secretKeyBase64, 'base64')).digest('hex').slice(0, 16);
