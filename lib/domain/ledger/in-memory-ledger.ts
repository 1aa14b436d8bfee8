import type {
  AppliedRotation,
  Claim,
  RotationLedger,
  StoredAnswer,
  SyncHealth,
} from '#lib/domain/ledger/rotation-ledger.ts';
import type { Clock } from '#lib/domain/retry.ts';

interface RequestEntry {
  readonly digest: string;
  readonly firstSeen: number;
  readonly keepUntil: number;
  /** Set while in flight. */
  readonly leaseUntil: number | undefined;
  readonly answer: StoredAnswer | undefined;
}

interface ZoneEntry {
  readonly lease: { owner: string; until: number } | undefined;
  readonly fence: number;
  readonly applied: AppliedRotation | undefined;
}

/** One process's ledger: what `npm start` uses, and the default when no table is configured. */
export function createInMemoryLedger(now: Clock['now'] = Date.now): RotationLedger {
  const requests = new Map<string, RequestEntry>();
  const zones = new Map<string, ZoneEntry>();
  const syncs = new Map<string, SyncHealth>();
  return {
    async claimRequest(requestKey, bodyDigest, { leaseUntil, keepUntil }): Promise<Claim> {
      const existing = requests.get(requestKey);
      if (existing === undefined || existing.keepUntil < now()) {
        const firstSeen = now();
        requests.set(requestKey, { digest: bodyDigest, firstSeen, keepUntil, leaseUntil, answer: undefined });
        return { kind: 'new', firstSeen };
      }
      if (existing.digest !== bodyDigest) return { kind: 'mismatch' };
      if (existing.answer) return { kind: 'replay', answer: existing.answer };
      if (existing.leaseUntil !== undefined && existing.leaseUntil >= now()) return { kind: 'in-flight' };
      requests.set(requestKey, { ...existing, leaseUntil });
      return { kind: 'new', firstSeen: existing.firstSeen };
    },
    async finishRequest(requestKey, answer, keepUntil) {
      const existing = requests.get(requestKey);
      if (existing === undefined || existing.leaseUntil === undefined) return;
      requests.set(requestKey, { ...existing, answer, keepUntil, leaseUntil: undefined });
    },
    async acquireZone(zoneId, owner, leaseUntil) {
      const entry = zones.get(zoneId);
      if (entry?.lease !== undefined && entry.lease.until >= now()) return undefined;
      const fence = entry?.fence ?? 0;
      zones.set(zoneId, { fence, applied: entry?.applied, lease: { owner, until: leaseUntil } });
      return { fence, lastApplied: entry?.applied };
    },
    lastApplied: async (zoneId) => zones.get(zoneId)?.applied,
    async releaseZone(zoneId, owner, change) {
      const entry = zones.get(zoneId);
      const lease = entry?.lease?.owner === owner ? undefined : entry?.lease;
      const fence = entry?.fence ?? 0;
      const raised = change !== undefined && change.fence >= fence;
      zones.set(zoneId, {
        lease,
        fence: raised ? change.fence : fence,
        applied: raised && change.applied ? change.applied : entry?.applied,
      });
    },
    async recordSync(zoneId, { verified, at }) {
      const before = syncs.get(zoneId);
      const health = verified
        ? { lastVerified: at, consecutiveFailures: 0 }
        : { lastVerified: before?.lastVerified, consecutiveFailures: (before?.consecutiveFailures ?? 0) + 1 };
      syncs.set(zoneId, health);
      return health;
    },
    async syncHealthOf(zoneIds) {
      return new Map(
        zoneIds.flatMap((zoneId) => {
          const health = syncs.get(zoneId);
          return health ? [[zoneId, health] as const] : [];
        }),
      );
    },
  };
}
