// GET /zones/{ZoneId} is polled (dashboards, scripts waiting on a rotation), and each answer was a Describe, spending
// the 20 a second per account that TEO allows every caller of that action, sync and dry runs among them. A zone's
// Describe is reused for a second, and never across a rotation the ledger records: any instance's rotation changes
// the zone's last applied record, which every status reads anyway. What the ledger cannot see (a change made in
// TEO's console, a rotation whose outcome was unknown) shows within the second; a dry run always Describes.

/** What a Describe showed: the live key by fingerprint (never the key), and the Describe's RequestId. */
export interface LiveKey {
  readonly fingerprint: string | undefined;
  readonly requestId: string;
}

const REUSE_MS = 1000;
/** Bounded, though only authenticated callers reach it: the oldest zone makes room. */
const MAX_ZONES = 1024;

export interface LiveKeyCache {
  /** The zone's Describe if made in the last second, with the last applied rotation's RequestId it was made beside. */
  recent(zoneId: string): { readonly live: LiveKey; readonly lastApplied: string | undefined } | undefined;
  keep(zoneId: string, lastApplied: string | undefined, live: LiveKey): void;
}

export function liveKeyCache(now: () => number): LiveKeyCache {
  const kept = new Map<string, { live: LiveKey; lastApplied: string | undefined; at: number }>();
  return {
    recent(zoneId) {
      const entry = kept.get(zoneId);
      return entry && now() - entry.at < REUSE_MS ? entry : undefined;
    },
    keep(zoneId, lastApplied, live) {
      kept.delete(zoneId);
      const oldest = kept.keys().next();
      if (kept.size >= MAX_ZONES && !oldest.done) kept.delete(oldest.value);
      kept.set(zoneId, { live, lastApplied, at: now() });
    },
  };
}
