// docs/contract.md §8, one binding: make TEO's key equal to the bound secret's current value. Desired state, not a
// command: whatever notification started it, it can only ever set the secret's current value, and changes nothing
// when TEO already holds it.
import * as v from 'valibot';
import { keyFingerprint } from '#lib/domain/key-fingerprint.ts';
import { sameKey } from '#lib/domain/same-key.ts';
import type { RotationLedger, ZoneChange } from '#lib/ledger/rotation-ledger.ts';
import type { RetryPolicy } from '#lib/outbound/retry.ts';
import type { RotationRun } from '#lib/rotation/invocation.ts';
import { holdZone, releaseZone } from '#lib/rotation/rotate-zone.ts';
import { describeZone, sendKey } from '#lib/rotation/send-key.ts';
import type { Binding } from '#lib/sync/bindings.ts';
import { claimDelivery } from '#lib/sync/doppler-replays.ts';
import { type SecretReaders, type SecretValue, SourceUnavailable } from '#lib/sync/secret-readers.ts';
import type { TeoGateway } from '#lib/teo/gateway.ts';
import { ROTATION_FIELDS } from '#lib/validation/rotation-request.ts';

export type SyncOutcome = 'synced' | 'in-sync' | 'replayed' | 'invalid-value' | 'failed';

export type SyncResult =
  | {
      readonly outcome: 'synced';
      /** The fingerprint of the value found in the manager, now live in TEO. */
      readonly keyFingerprint: string;
      readonly teoRequestIds: readonly string[];
      /** The value synced, for the rotation event: never logged. */
      readonly secretKey: string;
      /** TEO's RequestId of the call that found or made the value live: the last of `teoRequestIds`. */
      readonly requestId: string;
      /** TEO held a key the function never applied: someone changed it behind the binding, and this sync undid it. */
      readonly replacedForeignKey: boolean;
    }
  | {
      /** `replayed`: a Doppler delivery seen before with the same value, and done (lib/sync/doppler-replays.ts). */
      readonly outcome: 'in-sync' | 'replayed' | 'invalid-value';
      /** The fingerprint of the value found in the manager (unless invalid: live in TEO). */
      readonly keyFingerprint?: string;
      readonly teoRequestIds: readonly string[];
    };

export interface SyncDeps {
  readonly teo: TeoGateway;
  readonly ledger: RotationLedger;
  readonly readers: SecretReaders;
  readonly retry: RetryPolicy;
}

/** How often a value that changes during a sync is read again before the sync gives up to the next notification. */
const MAX_ROUNDS = 3;

const isValidKey = (value: string) => v.safeParse(ROTATION_FIELDS.SecretKey, value).success;

/**
 * `delivery`: the digest of the Doppler delivery that asked for it, which may be a replay; the value is then read
 * before anything else, to tell.
 */
export async function syncBinding(
  binding: Binding,
  deps: SyncDeps,
  run: RotationRun,
  delivery?: string,
): Promise<SyncResult> {
  if (delivery === undefined) return syncValue(binding, deps, run);
  const first = await deps.readers.read(binding.source);
  // Only a valid key is told apart by its fingerprint (canonical base64: one text per key); any other is reported.
  if (!isValidKey(first.value)) return syncValue(binding, deps, run, first);
  const claim = await claimDelivery(
    deps.ledger,
    { zoneId: binding.zoneId, delivery, value: first.value },
    run,
  );
  if (claim.replay) return { outcome: 'replayed', teoRequestIds: [] };
  let result: SyncResult | undefined;
  try {
    result = await syncValue(binding, deps, run, first);
    return result;
  } finally {
    await claim.finish(result?.outcome === 'synced' || result?.outcome === 'in-sync');
  }
}

async function syncValue(
  { zoneId, source }: Binding,
  deps: SyncDeps,
  run: RotationRun,
  firstRead?: SecretValue,
): Promise<SyncResult> {
  const { lastApplied } = await holdZone(zoneId, deps.ledger, run);
  let change: ZoneChange | undefined;
  const teoRequestIds: string[] = [];
  let replacedForeignKey = false;
  try {
    let read = firstRead ?? (await deps.readers.read(source));
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const { value } = read;
      // An invalid value is permanent until someone fixes the secret: TEO is never called with it.
      if (!isValidKey(value)) return { outcome: 'invalid-value', teoRequestIds };
      const fingerprint = keyFingerprint(value);
      const live = await describeZone(zoneId, deps.teo, run);
      teoRequestIds.push(live.requestId);
      if (live.secretKey !== undefined && sameKey(live.secretKey, value)) {
        // Live already when first read: nothing to do. Live on a later round: this sync changed TEO on the way.
        if (round === 0) return { outcome: 'in-sync', keyFingerprint: fingerprint, teoRequestIds };
        return synced(value, fingerprint, teoRequestIds, live.requestId, replacedForeignKey);
      }
      // A key the function did not put there (it keeps the fingerprint of the last one it applied).
      replacedForeignKey ||=
        live.secretKey !== undefined &&
        lastApplied !== undefined &&
        keyFingerprint(live.secretKey) !== lastApplied.keyFingerprint;
      const rotation = { zoneId, secretKey: value };
      // A zone with no key gets its first (Create), as Describe just showed.
      const { requestId } = await sendKey(
        rotation,
        deps.teo,
        deps.retry,
        run,
        (left) => {
          change = left;
        },
        { hasKey: live.secretKey !== undefined },
      );
      teoRequestIds.push(requestId);
      // The value may have changed while TEO was being set: only the current one may stay.
      read = await deps.readers.read(source);
      if (sameKey(read.value, value))
        return synced(value, fingerprint, teoRequestIds, requestId, replacedForeignKey);
    }
    throw new SourceUnavailable(
      'The bound secret changed on every read during the sync: the next notification, or the schedule, will sync it',
    );
  } finally {
    await releaseZone(zoneId, deps.ledger, run, change);
  }
}

const synced = (
  secretKey: string,
  fingerprint: string,
  teoRequestIds: readonly string[],
  requestId: string,
  replacedForeignKey: boolean,
): SyncResult => ({
  outcome: 'synced',
  keyFingerprint: fingerprint,
  teoRequestIds,
  secretKey,
  requestId,
  replacedForeignKey,
});
