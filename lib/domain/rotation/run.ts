// What one writer's run of a zone carries through the rules: when its request was first seen and by whom, its
// deadline and lease, its clock, and where its TEO calls and late ledger failures are told (the shell counts them).
import type { KeyFingerprint } from '#lib/domain/key-fingerprint.ts';
import type { Clock } from '#lib/domain/retry.ts';
import type { KeyWrite } from '#lib/domain/teo-gateway.ts';

export interface RotationRun {
  /** When the request was first seen (its first claim, for a redelivered one): it must not roll back a later one. */
  readonly firstSeen: number;
  /** Who asked, for the zone's record: a caller's name, or the trigger. */
  readonly by: string;
  /** How the zone's record names the key: the deployment's keyed fingerprint. */
  readonly fingerprint: KeyFingerprint;
  /** Epoch ms by which TEO must have answered: the Lambda's end, less the time kept to answer. */
  readonly deadline: number;
  /** Epoch ms the zone's lease lasts: the Lambda's end, so a crashed invocation frees it then. */
  readonly leaseUntil: number;
  readonly owner: string;
  readonly clock: Clock;
  /**
   * Awaited before each TEO call (and each retry) of the action, apart from its latency: sync's pace below TEO's
   * limit (lib/domain/paced-teo.ts). Calls are sent at once without it.
   */
  readonly pace?: ((action: KeyWrite | 'Describe') => Promise<void>) | undefined;
  /** Told as each TEO call starts, for the audit line and the metrics; what it returns is told how long it took. */
  readonly onTeoCall: (action: KeyWrite | 'Describe') => (latencyMs: number) => void;
  /** Told of a ledger write that failed after the work it was to record: reported, never answered instead. */
  readonly onLedgerFailure: (operation: string, error: unknown) => void;
}
