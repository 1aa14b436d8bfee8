// node:crypto for the Lambda bundle, loaded with require(): an ES module import of it costs about 4.5 ms at cold
// start on Node 24 (the import reads every export, and some are getters), require() about 0.1 ms. The bundle
// aliases `crypto` and `node:crypto` here (esbuild.config.cjs). These are the functions the bundled code uses; a
// dependency that starts using another one fails the build (esbuild.config.cjs turns import-is-undefined into an error).
import { createRequire } from 'node:module';

const crypto: typeof import('node:crypto') = createRequire(import.meta.url)('node:crypto');

export default crypto;
export const { createHash, createHmac, randomBytes, randomFillSync, randomInt, randomUUID, timingSafeEqual } =
  crypto;
