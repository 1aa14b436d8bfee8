// docs/contract.md §5's shared state, as the domain needs it: who has claimed which request and since when, which
// zone is being rotated, and the last rotation applied to each zone. In AWS the DynamoDB adapter; locally (and with
// no table configured) the in-memory one.

/**
 * How long a delivery (a request id, or a Doppler body with its value) is remembered with its answer or first-seen
 * time: Standard Webhooks senders retry for up to a few days.
 */
export const KEEP_DELIVERIES_MS = 3 * 24 * 60 * 60 * 1000;

/** An HTTP answer kept for redeliveries. It never holds a key: only TEO's RequestId and error codes. */
export interface StoredAnswer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type Claim =
  /** Proceed. `firstSeen` is when this request id was first claimed, kept across failed attempts. */
  | { readonly kind: 'new'; readonly firstSeen: number }
  | { readonly kind: 'replay'; readonly answer: StoredAnswer }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'in-flight' };

/** How long a claim is held, and how long the request id is remembered. */
export interface ClaimTerms {
  /** Epoch ms until which the claim is in flight: the invocation's end, so a crash frees it then. */
  readonly leaseUntil: number;
  /** Epoch ms until which the id, its body's digest and its first-seen time are remembered. */
  readonly keepUntil: number;
}

/** The last rotation the function applied to a zone: kept with no expiry, and never holding the key. */
export interface AppliedRotation {
  /** When the request that applied it was first seen: no request first seen earlier may apply after it. */
  readonly firstSeen: number;
  readonly at: number;
  /** The caller's name, or the trigger (`secretsmanager`). */
  readonly by: string;
  readonly requestId: string;
  readonly keyFingerprint: string;
}

/** A zone held for one rotation, with what was last applied to it. */
export interface ZoneLease {
  /**
   * The latest first-seen time of a request that was sent to TEO for this zone and may have set its key (applied,
   * or with an unknown outcome); 0 when none. A request first seen before it would roll the zone back.
   */
  readonly fence: number;
  readonly lastApplied: AppliedRotation | undefined;
}

/** What a rotation leaves on its zone: the fence it raises, and the rotation when it is known to be applied. */
export interface ZoneChange {
  readonly fence: number;
  readonly applied?: AppliedRotation;
}

/** What the syncs of a bound zone have found: it needs attention once several in a row failed. */
export interface SyncHealth {
  /** When a sync last found TEO holding the source's value, or set it there; undefined before the first. */
  readonly lastVerified: number | undefined;
  /** Syncs that failed in a row since (0 after one that verified). */
  readonly consecutiveFailures: number;
}

/** Syncs of a binding that fail in a row before it needs attention (three scheduled runs). */
export const NEEDS_ATTENTION_AFTER = 3;

export const needsAttention = (health: SyncHealth | undefined) =>
  (health?.consecutiveFailures ?? 0) >= NEEDS_ATTENTION_AFTER;

export interface RotationLedger {
  /**
   * Claims a request id for a body (by digest). A claim in flight past its lease, or finished without an answer,
   * may be claimed again with the same body, keeping its first-seen time; an id past `keepUntil` is forgotten.
   */
  claimRequest(requestKey: string, bodyDigest: string, terms: ClaimTerms): Promise<Claim>;
  /**
   * Keeps the final answer for redeliveries until `keepUntil`; with no answer, reopens the claim so that a
   * redelivery tries again (remembering when it was first seen).
   */
  finishRequest(requestKey: string, answer: StoredAnswer | undefined, keepUntil: number): Promise<void>;
  /** Takes the zone for `owner` until `leaseUntil`, unless someone else holds an unexpired lease. */
  acquireZone(zoneId: string, owner: string, leaseUntil: number): Promise<ZoneLease | undefined>;
  /** The zone's last applied rotation, read consistently: what GET /zones/{ZoneId} reports. */
  lastApplied(zoneId: string): Promise<AppliedRotation | undefined>;
  /** Frees the zone; with a change, raises its fence (never lowers it) and records what was applied. */
  releaseZone(zoneId: string, owner: string, change?: ZoneChange): Promise<void>;
  /** Records how a sync of the zone ended (verified at `at`, or one failure more in a row); the zone's health now. */
  recordSync(zoneId: string, ended: { readonly verified: boolean; readonly at: number }): Promise<SyncHealth>;
  /** The zones' sync health, read consistently; a zone no sync has ended for yet is absent. */
  syncHealthOf(zoneIds: readonly string[]): Promise<ReadonlyMap<string, SyncHealth>>;
}
