// docs/contract.md §8, one binding: make TEO's key equal to the bound secret's current value. Desired state, not a
// command: whatever notification started it, it can only ever set the secret's current value, and changes nothing
// when TEO already holds it.
import * as v from 'valibot';
import { withZone, type ZoneWriteDeps } from '#lib/domain/rotation/rotate-zone.ts';
import type { RotationRun } from '#lib/domain/rotation/run.ts';
import { describeZone } from '#lib/domain/rotation/send-key.ts';
import { ROTATION_FIELDS } from '#lib/domain/rotation-request.ts';
import { sameKey } from '#lib/domain/same-key.ts';
import type { Binding } from '#lib/domain/sync/binding.ts';
import { claimDelivery } from '#lib/domain/sync/doppler-replays.ts';
import { type SourceRead, SourceThrottled, SourceUnavailable } from '#lib/domain/sync/secret-source.ts';

export type SyncOutcome = 'synced' | 'in-sync' | 'replayed' | 'invalid-value' | 'failed' | 'deferred';

/** What became of one binding of a sync run. */
export interface SyncedBinding {
  readonly zoneId: string;
  readonly outcome: SyncOutcome;
  /** Failed because another rotation or sync of the zone was in flight: answered 409, as /rotate would. */
  readonly conflict: boolean;
}

export type SyncResult =
  | {
      readonly outcome: 'synced';
      /** The fingerprint of the value found in the manager, now live in TEO. */
      readonly keyFingerprint: string;
      readonly teoRequestIds: readonly string[];
      /** TEO's RequestId of the call that found or made the value live: the last of `teoRequestIds`. */
      readonly requestId: string;
      /** TEO held a key the function never applied: someone changed it behind the binding, and this sync undid it. */
      readonly replacedForeignKey: boolean;
    }
  | {
      /** `replayed`: a Doppler delivery seen before with the same value, and done (lib/domain/sync/doppler-replays.ts). */
      readonly outcome: 'in-sync' | 'replayed' | 'invalid-value';
      /** The fingerprint of the value found in the manager (unless invalid: live in TEO). */
      readonly keyFingerprint?: string;
      readonly teoRequestIds: readonly string[];
    };

const isValidKey = (value: string) => v.safeParse(ROTATION_FIELDS.SecretKey, value).success;

/**
 * `value`: the bound secret's value, read for the whole run (lib/domain/sync/read-within.ts). `delivery`: the digest
 * of the Doppler delivery that asked for it, which may be a replay of one done with this value.
 */
export async function syncBinding(
  binding: Binding,
  value: string,
  deps: ZoneWriteDeps,
  run: RotationRun,
  delivery?: string,
): Promise<SyncResult> {
  // Only a valid key is told apart by its fingerprint (canonical base64: one text per key); any other is reported.
  if (delivery === undefined || !isValidKey(value)) return syncValue(binding, value, deps, run);
  const claim = await claimDelivery(deps.ledger, { zoneId: binding.zoneId, delivery, value }, run);
  if (claim.replay) return { outcome: 'replayed', teoRequestIds: [] };
  let result: SyncResult | undefined;
  try {
    result = await syncValue(binding, value, deps, run);
    return result;
  } finally {
    await claim.finish(result?.outcome === 'synced' || result?.outcome === 'in-sync');
  }
}

function syncValue(
  { zoneId }: Binding,
  value: string,
  deps: ZoneWriteDeps,
  run: RotationRun,
): Promise<SyncResult> {
  return withZone(zoneId, deps, run, async (zone) => {
    const teoRequestIds: string[] = [];
    // An invalid value is permanent until someone fixes the secret: TEO is never called with it.
    if (!isValidKey(value)) return { outcome: 'invalid-value', teoRequestIds };
    const fingerprint = run.fingerprint(value);
    const live = await describeZone(zoneId, deps.teo, run);
    teoRequestIds.push(live.requestId);
    if (live.secretKey !== undefined && sameKey(live.secretKey, value)) {
      return { outcome: 'in-sync', keyFingerprint: fingerprint, teoRequestIds };
    }
    // A key the function did not put there (it keeps the fingerprint of the last one it applied).
    const { lastApplied } = zone.lease;
    const replacedForeignKey =
      live.secretKey !== undefined &&
      lastApplied !== undefined &&
      run.fingerprint(live.secretKey) !== lastApplied.keyFingerprint;
    // A zone with no key gets its first (Create), as Describe just showed.
    const { requestId } = await zone.send(
      { zoneId, secretKey: value },
      { hasKey: live.secretKey !== undefined },
    );
    teoRequestIds.push(requestId);
    return {
      outcome: 'synced',
      keyFingerprint: fingerprint,
      teoRequestIds,
      requestId,
      replacedForeignKey,
    };
  });
}

/**
 * After a binding was synced, its secret is read again (with the run's others, in one batch): a value that changed
 * while TEO was being set fails the binding, so that its sender sends again. One Modify per sync, not one per read
 * of a source that keeps changing: the change's own notification, or the schedule, sets the value it changed to.
 * Undefined when the value is unchanged, or could not be read again for the manager's rate limit (not a failure:
 * the next run reads it).
 */
export function changedDuringSync(synced: string, again: SourceRead): SourceUnavailable | undefined {
  if (again instanceof SourceThrottled) return undefined;
  if (again instanceof SourceUnavailable) return again;
  return sameKey(again.value, synced)
    ? undefined
    : new SourceUnavailable(
        'The bound secret changed while TEO was being set: TEO holds the value read first; the next notification, or the schedule, will sync the new one',
      );
}
