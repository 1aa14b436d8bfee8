import type { Claim, Clock, RotationLedger, StoredAnswer } from '#lib/ledger/rotation-ledger.ts';

interface RequestEntry {
  digest: string;
  answer: StoredAnswer | undefined;
  until: number;
}

/** One process's ledger: what `npm start` uses, and the default when no table is configured. */
export function createInMemoryLedger(now: Clock = Date.now): RotationLedger {
  const requests = new Map<string, RequestEntry>();
  const zones = new Map<string, { owner: string; until: number }>();
  return {
    async claimRequest(requestKey, bodyDigest, leaseUntil): Promise<Claim> {
      const existing = requests.get(requestKey);
      if (existing === undefined || existing.until < now()) {
        requests.set(requestKey, { digest: bodyDigest, answer: undefined, until: leaseUntil });
        return { kind: 'new' };
      }
      if (existing.digest !== bodyDigest) return { kind: 'mismatch' };
      return existing.answer ? { kind: 'replay', answer: existing.answer } : { kind: 'in-flight' };
    },
    async finishRequest(requestKey, answer, keepUntil) {
      const existing = requests.get(requestKey);
      if (existing === undefined || existing.answer !== undefined) return;
      if (answer) requests.set(requestKey, { ...existing, answer, until: keepUntil });
      else requests.delete(requestKey);
    },
    async acquireZone(zoneId, owner, leaseUntil) {
      const holder = zones.get(zoneId);
      if (holder !== undefined && holder.until >= now()) return false;
      zones.set(zoneId, { owner, until: leaseUntil });
      return true;
    },
    async releaseZone(zoneId, owner) {
      if (zones.get(zoneId)?.owner === owner) zones.delete(zoneId);
    },
  };
}
