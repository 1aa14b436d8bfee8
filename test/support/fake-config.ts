// Obviously fake credentials and callers, shared by the tests.
import { createHash } from 'node:crypto';
import { keyFingerprinter } from '#lib/domain/key-fingerprint.ts';

export const TENCENT_SECRET_ID = 'AKIDFAKEEXAMPLE0000000000000000000000';
export const TENCENT_SECRET_KEY = 'FakeTencentSecretKeyForTests0000';

/** The deployment's fingerprint key in tests (ROTATOR_FINGERPRINT_KEY), and the fingerprints it makes. */
export const FINGERPRINT_KEY = 'fake-fingerprint-key-for-tests-00000000';
export const fingerprint = keyFingerprinter(FINGERPRINT_KEY);

export const OPS_TOKEN = 'test-token-ops-cli-0123456789abcdef';
export const OPS_TOKEN_NEXT = 'test-token-ops-cli-next-fedcba987654';
export const ADMIN_TOKEN = 'test-token-admin-all-zones-00000000';

export const ZONE = 'zone-27q0p0bal192';
export const OTHER_ZONE = 'zone-3fk9x0qa81mz';
/** The seed page's example key: 32 bytes. */
export const KEY = 'b8sfnemqzF5TNCwwtshVmG/gyCJVi/rP+7A+jsBwqGY=';
/** A zone's key before the test rotates it: 32 zero bytes, as the demo emulator's zones start. */
export const OLD_KEY = Buffer.alloc(32).toString('base64');

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

export const CALLERS = [
  { name: 'ops-cli', zones: [ZONE], tokenSha256: [sha256Hex(OPS_TOKEN), sha256Hex(OPS_TOKEN_NEXT)] },
  { name: 'admin', zones: ['*'], tokenSha256: [sha256Hex(ADMIN_TOKEN)] },
  { name: 'secrets-hook', zones: ['*'], webhookSecrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] },
  { name: 'ci-role', zones: [OTHER_ZONE], iamPrincipals: ['arn:aws:iam::123456789012:role/rotator-ci'] },
];

export const testEnvironment = (teoEndpoint: string, overrides: Record<string, string | undefined> = {}) => ({
  TENCENTCLOUD_SECRET_ID: TENCENT_SECRET_ID,
  TENCENTCLOUD_SECRET_KEY: TENCENT_SECRET_KEY,
  ROTATOR_FINGERPRINT_KEY: FINGERPRINT_KEY,
  TEO_ENDPOINT: teoEndpoint,
  TEO_TIMEOUT_MS: '2000',
  ROTATOR_CLIENTS: JSON.stringify(CALLERS),
  ...overrides,
});

/** docs/contract.md §5's three attempts, with backoff short enough for tests. */
export const FAST_RETRY = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 };
