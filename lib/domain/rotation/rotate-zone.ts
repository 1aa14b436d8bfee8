// docs/contract.md §5: one rotation of one zone at a time (the zone's lease), and never one that would roll the zone
// back to an older key (its fence). The sending itself is lib/domain/rotation/send-key.ts.
import { RotationConflict } from '#lib/domain/errors.ts';
import type { RotationLedger, ZoneChange, ZoneLease } from '#lib/domain/ledger/rotation-ledger.ts';
import type { RetryPolicy } from '#lib/domain/retry.ts';
import type { RotationRun } from '#lib/domain/rotation/run.ts';
import {
  describeZone,
  type RotationOutcome,
  type SendOptions,
  sendKey,
} from '#lib/domain/rotation/send-key.ts';
import type { RotationRequest } from '#lib/domain/rotation-request.ts';
import { sameKey } from '#lib/domain/same-key.ts';
import type { TeoGateway } from '#lib/domain/teo-gateway.ts';

/** What writing a zone's key needs: TEO, the ledger that holds the zone, and §5's retries. */
export interface ZoneWriteDeps {
  readonly teo: TeoGateway;
  readonly ledger: RotationLedger;
  readonly retry: RetryPolicy;
}

/** A zone held for one writer: what it last had applied and its fence, and the one way to set its key meanwhile. */
export interface HeldZone {
  readonly lease: ZoneLease;
  send(rotation: RotationRequest, options?: SendOptions): Promise<RotationOutcome>;
}

/**
 * The one composition of §5 every writer uses (an HTTP rotation, a Secrets Manager rotation, a sync, a dry run): the
 * zone's lease held, `work` run with it, and the zone given back with what its sends left on it (the applied
 * rotation, or the fence when a failed send may have set the key), whatever `work` does after.
 */
export async function withZone<R>(
  zoneId: string,
  deps: ZoneWriteDeps,
  run: RotationRun,
  work: (zone: HeldZone) => Promise<R>,
): Promise<R> {
  const lease = await holdZone(zoneId, deps.ledger, run);
  let change: ZoneChange | undefined;
  try {
    return await work({
      lease,
      async send(rotation, options) {
        const sent = await sendKey(rotation, deps.teo, deps.retry, run, options);
        change = sent.change;
        if (!sent.ok) throw sent.error;
        return sent.outcome;
      },
    });
  } finally {
    await releaseZone(zoneId, deps.ledger, run, change);
  }
}

/** A requested rotation: refused, changing nothing, if a request first seen after it was already sent to TEO. */
export const rotateZone = (rotation: RotationRequest, deps: ZoneWriteDeps, run: RotationRun) =>
  withZone(rotation.zoneId, deps, run, async (zone) => {
    if (zone.lease.fence > run.firstSeen) {
      throw new RotationConflict(
        'RequestSuperseded',
        'A rotation of this zone first seen after this request has since been sent to TEO: applying this one would roll the zone back to an older key. Nothing was changed.',
      );
    }
    return zone.send(rotation);
  });

/** The zone's lease for this run, or 409: two rotations of a zone never overlap. */
async function holdZone(zoneId: string, ledger: RotationLedger, run: RotationRun): Promise<ZoneLease> {
  const lease = await ledger.acquireZone(zoneId, run.owner, run.leaseUntil);
  if (lease === undefined) {
    throw new RotationConflict(
      'ResourceInUse',
      'Another rotation of this zone is in flight; retry when it is done.',
    );
  }
  return lease;
}

/**
 * Gives the zone back, recording what the run left on it. A failure here never changes the answer: TEO's word on the
 * key is what the caller must hear (a 500 now would tell a caller whose key went live that nothing changed). It is
 * reported instead (the audit line at ERROR, the alarmed LedgerFailures metric); the lease then lapses at the
 * invocation's end, and an applied rotation's fence and record are missing until the next rotation of the zone.
 */
async function releaseZone(zoneId: string, ledger: RotationLedger, run: RotationRun, change?: ZoneChange) {
  try {
    await ledger.releaseZone(zoneId, run.owner, change);
  } catch (error) {
    run.onLedgerFailure('releaseZone', error);
  }
}

/**
 * What a dry run found: TEO's RequestId, whether the zone has a key (else a rotation would create its first), and
 * whether the requested key is the one live already (so a kept key's state can be checked without changing it).
 */
export interface Rehearsal {
  readonly requestId: string;
  readonly hasKey: boolean;
  readonly live: boolean;
}

/**
 * docs/contract.md §7: everything a rotation does up to TEO (the zone's lease included), then
 * DescribeMultiPathGatewaySecretKey instead of the Modify or Create, which proves the function's credentials reach
 * the zone. Nothing is changed or recorded; the lease is given back.
 */
export const rehearseRotation = (
  rotation: RotationRequest,
  deps: ZoneWriteDeps,
  run: RotationRun,
): Promise<Rehearsal> =>
  withZone(rotation.zoneId, deps, run, async () => {
    const { requestId, secretKey } = await describeZone(rotation.zoneId, deps.teo, run);
    return {
      requestId,
      hasKey: secretKey !== undefined,
      live: secretKey !== undefined && sameKey(secretKey, rotation.secretKey),
    };
  });
