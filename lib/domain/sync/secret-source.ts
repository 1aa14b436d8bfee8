// The port sync reads bound secrets through; lib/adapters/managers/secret-readers.ts implements it for Secrets
// Manager, Doppler and Infisical.
import type { SecretLocation } from '#lib/domain/sync/binding.ts';

/**
 * A bound secret's current value. No version comes with it: versions are not comparable across managers, nor within
 * one when a secret is moved back or made again, and every read is fresh (docs/contract.md §8).
 */
export interface SecretValue {
  readonly value: string;
}

/** The manager could not give the value: it is down, slow, refused our credentials, or has no such secret. */
export class SourceUnavailable extends Error {
  override name = 'SourceUnavailable';
}

/** The manager refused for its rate limit, and said (or is known to need) how long to wait before asking again. */
export class SourceThrottled extends SourceUnavailable {
  override name = 'SourceThrottled';
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** One source's read: its value, or why not. */
export type SourceRead = SecretValue | SourceUnavailable;

export interface SecretReaders {
  /**
   * Every source's value, or why it could not be had, in the order asked, with as few requests as each manager
   * allows: one per Doppler config, one per Infisical folder, one per 20 Secrets Manager secrets.
   */
  readAll(sources: readonly SecretLocation[]): Promise<SourceRead[]>;
}
