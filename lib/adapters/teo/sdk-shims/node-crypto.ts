// node:crypto as the bundles see it (esbuild.config.cjs aliases `crypto` and `node:crypto` here): the same module,
// but createHmac takes a Buffer key as a KeyObject. On Node 24 an HMAC keyed with a Buffer costs about 38 µs against
// 12 µs through a KeyObject (BENCHMARKS.md), and TC3 signing keys three of its four HMACs with Buffers.
import { createRequire } from 'node:module';

const crypto: typeof import('node:crypto') = createRequire(import.meta.url)('node:crypto');

export default crypto;
export const {
  createHash,
  createSecretKey,
  randomBytes,
  randomFillSync,
  randomInt,
  randomUUID,
  timingSafeEqual,
} = crypto;

export const createHmac: typeof crypto.createHmac = (algorithm, key, options) =>
  crypto.createHmac(
    algorithm,
    // An empty key cannot be a KeyObject; it is rare enough to take the slow way.
    Buffer.isBuffer(key) && key.byteLength > 0 ? crypto.createSecretKey(key) : key,
    options,
  );
