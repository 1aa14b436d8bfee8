// Bearer tokens (docs/contract.md §4): only SHA-256 digests are configured, and every digest is compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Caller } from '#lib/domain/caller.ts';

/** RFC 6750's b64token: a comma or space here means two joined headers or junk, never a token. */
const TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** The caller whose digests include the token's; no early exit, so timing does not say how far a match got. */
export function verifyBearerToken(token: string, callers: readonly Caller[]): Caller | undefined {
  if (!TOKEN.test(token)) return undefined;
  const digest = createHash('sha256').update(token).digest();
  let match: Caller | undefined;
  for (const caller of callers) {
    if (caller.credential.kind !== 'bearer') continue;
    for (const configured of caller.credential.tokenDigests) {
      if (timingSafeEqual(digest, configured)) match = caller;
    }
  }
  return match;
}
