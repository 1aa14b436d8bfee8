// docs/contract.md §6: a fingerprint names a key on log lines, events and zone statuses without being a way to test
// guesses of it offline (issue 25, finding 7): it is keyed by the deployment's own fingerprint key.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyFingerprinter } from '#lib/domain/key-fingerprint.ts';
import { FINGERPRINT_KEY, KEY } from './support/fake-config.ts';

const unkeyed = (key: string) =>
  createHash('sha256').update(Buffer.from(key, 'base64')).digest('hex').slice(0, 16);

describe('a key’s fingerprint', () => {
  it('is the first 16 hex characters of HMAC-SHA256 of the decoded key under the fingerprint key', () => {
    // openssl dgst -sha256 -hmac "$FINGERPRINT_KEY" of the decoded key, outside this code.
    expect(keyFingerprinter(FINGERPRINT_KEY)(KEY)).toBe('9ff9c01d543b599d');
  });

  it('differs from deployment to deployment, and from the unkeyed digest an attacker could compute', () => {
    const here = keyFingerprinter(FINGERPRINT_KEY)(KEY);
    const elsewhere = keyFingerprinter('another-deployment-fingerprint-key-0000')(KEY);

    expect(new Set([here, elsewhere, unkeyed(KEY)]).size).toBe(3);
  });

  it('gives a guesser with every candidate but no fingerprint key nothing to match', () => {
    // A human-chosen key, as issue 25 recovered from an unkeyed fingerprint in 866 guesses.
    const chosen = Buffer.from('CorrectHorseBatteryStaple-2026!!').toString('base64');
    const logged = keyFingerprinter(FINGERPRINT_KEY)(chosen);
    const guesses = ['password', 'CorrectHorseBatteryStaple-2026!!', 'letmein'].map((word) =>
      Buffer.from(word).toString('base64'),
    );

    expect(guesses.map(unkeyed)).not.toContain(logged);
    expect(guesses.map(keyFingerprinter(FINGERPRINT_KEY))).toContain(logged);
  });
});
