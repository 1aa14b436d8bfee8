// SPEC §5's shared state, as the domain needs it: who has claimed which request, and which zone is being rotated.
// In AWS the DynamoDB adapter; locally (and with no table configured) the in-memory one.

/** An HTTP answer kept for redeliveries. It never holds a key: only TEO's RequestId and error codes. */
export interface StoredAnswer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type Claim =
  | { readonly kind: 'new' }
  | { readonly kind: 'replay'; readonly answer: StoredAnswer }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'in-flight' };

export interface RotationLedger {
  /**
   * Claims a request id for a body (by digest) until `leaseUntil`; a claim past its lease, or a kept answer past
   * its retention, counts as absent.
   */
  claimRequest(requestKey: string, bodyDigest: string, leaseUntil: number): Promise<Claim>;
  /** Keeps the final answer for redeliveries until `keepUntil`, or (no answer) forgets the claim. */
  finishRequest(requestKey: string, answer: StoredAnswer | undefined, keepUntil: number): Promise<void>;
  /** Takes the zone for `owner` until `leaseUntil`, unless someone else holds an unexpired lease. */
  acquireZone(zoneId: string, owner: string, leaseUntil: number): Promise<boolean>;
  releaseZone(zoneId: string, owner: string): Promise<void>;
}

export type Clock = () => number;
