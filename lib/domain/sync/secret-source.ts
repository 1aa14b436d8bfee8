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

/** The manager could not give the value: it is down, slow, refused our credentials, or throttled us. */
export class SourceUnavailable extends Error {
  override name = 'SourceUnavailable';
}

export interface SecretReaders {
  read(source: SecretLocation): Promise<SecretValue>;
}
