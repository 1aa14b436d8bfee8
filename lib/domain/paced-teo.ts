// TEO allows 20 requests a second per action for the whole account (docs/contract.md §1), shared by every caller:
// the rotate function, dry runs, zone statuses and sync. Sync, which can send hundreds, paces itself below that
// instead of meeting RequestLimitExceeded: each action's calls are spaced at least 1/rate apart, however many are in
// flight at once, so concurrency hides TEO's latency and never raises the rate. A run carries its paces
// (RotationRun.pace), awaited before each call's latency is measured.
import type { Clock } from '#lib/domain/retry.ts';
import type { KeyWrite } from '#lib/domain/teo-gateway.ts';

/** Spaces the calls it admits at least `1000 / ratePerSecond` ms apart, on the clock given. */
export function pacer(ratePerSecond: number, clock: Pick<Clock, 'now' | 'sleep'>) {
  const spacingMs = 1000 / ratePerSecond;
  let nextAt = Number.NEGATIVE_INFINITY;
  return async () => {
    const now = clock.now();
    const at = Math.max(now, nextAt);
    nextAt = at + spacingMs;
    // Sleeping no time waits for nothing.
    await clock.sleep(at - now);
  };
}

/** Each action's pacer: Describe, Modify and Create each have TEO's limit. */
export type TeoPaces = Readonly<Record<KeyWrite | 'Describe', () => Promise<void>>>;

export const teoPaces = (ratePerSecond: number, clock: Pick<Clock, 'now' | 'sleep'>): TeoPaces => ({
  Describe: pacer(ratePerSecond, clock),
  Modify: pacer(ratePerSecond, clock),
  Create: pacer(ratePerSecond, clock),
});
