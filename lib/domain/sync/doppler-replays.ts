// docs/contract.md §8: a Doppler delivery signs no time and no id, so a captured one verifies forever. The same body
// bringing the same value is a replay: answered without the zone's lease or a TEO call. The value is read first, so
// that a real change Doppler announces with a body identical to an earlier one (its payload names only the config)
// is synced all the same.
import { RotationConflict } from '#lib/domain/errors.ts';
import { KEEP_DELIVERIES_MS, type RotationLedger } from '#lib/domain/ledger/rotation-ledger.ts';
import type { RotationRun } from '#lib/domain/rotation/run.ts';

/** What the kept record says: synced or found in sync. It holds no value, only that the pair was done. */
// Stryker disable next-line ObjectLiteral,StringLiteral: any kept answer means done; its fields are the ledger's shape.
const DONE = { statusCode: 200, headers: {}, body: '' };

export type DeliveryClaim =
  /** Seen before with this value, and done: nothing to do. */
  | { readonly replay: true }
  /** To sync; `finish` records whether it was done, so that a replay of a failed one syncs again. */
  | { readonly replay: false; finish(done: boolean): Promise<void> };

export async function claimDelivery(
  ledger: RotationLedger,
  { zoneId, delivery, value }: { readonly zoneId: string; readonly delivery: string; readonly value: string },
  run: RotationRun,
): Promise<DeliveryClaim> {
  const key = `sync#${zoneId}#${delivery}`;
  const keepUntil = run.clock.now() + KEEP_DELIVERIES_MS;
  const claim = await ledger.claimRequest(key, run.fingerprint(value), {
    leaseUntil: run.leaseUntil,
    keepUntil,
  });
  switch (claim.kind) {
    case 'replay':
      return { replay: true };
    case 'in-flight':
      throw new RotationConflict(
        'RequestInProgress',
        'This delivery, with this value, is already being synced; retry when it is done.',
      );
    // The same body with another value: a real change, synced; the record stays the first value's.
    case 'mismatch':
      return { replay: false, finish: async () => undefined };
    case 'new':
      return {
        replay: false,
        finish: (done) => ledger.finishRequest(key, done ? DONE : undefined, keepUntil),
      };
  }
}
