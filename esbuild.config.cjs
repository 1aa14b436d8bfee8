// The one set of esbuild options: `npm run build` (scripts/build.ts) and serverless-esbuild both use it.
// CommonJS because serverless-esbuild loads it with require() and calls the export.

/**
 * Everything is bundled: nothing is left to the runtime.
 * @returns {import('esbuild').BuildOptions & { outputFileExtension: string }}
 */
const esbuildOptions = () => ({
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  outputFileExtension: '.mjs',
  // Prefer packages' ES module builds: smaller bundles, and no CommonJS wrappers to evaluate at cold start.
  mainFields: ['module', 'main'],
  // The Tencent SDK's HTTP dependency, served by node:http instead (lib/adapters/teo/http-transport.ts), and two optional
  // dependencies this function never uses (lib/adapters/teo/sdk-shims/unused-sdk-feature.ts).
  alias: {
    'node-fetch': './lib/adapters/teo/http-transport.ts',
    'form-data': './lib/adapters/teo/sdk-shims/unused-sdk-feature.ts',
    'https-proxy-agent': './lib/adapters/teo/sdk-shims/unused-sdk-feature.ts',
    'json-bigint': './lib/adapters/teo/sdk-shims/native-json.ts',
    readline: './lib/adapters/teo/sdk-shims/unused-sdk-feature.ts',
    // HMACs keyed with Buffers are three times faster through a KeyObject on Node 24 (lib/adapters/teo/sdk-shims/node-crypto.ts).
    crypto: './lib/adapters/teo/sdk-shims/node-crypto.ts',
    'node:crypto': './lib/adapters/teo/sdk-shims/node-crypto.ts',
    // Read through require(), so that timers/promises is not loaded with it (lib/adapters/teo/sdk-shims/node-timers.ts).
    'node:timers': './lib/adapters/teo/sdk-shims/node-timers.ts',
  },
  // A name a stand-in module does not export would be undefined at run time: make that a build error.
  logOverride: { 'import-is-undefined': 'error' },
  // CommonJS dependencies call require() for Node built-ins; an ES module has none unless given one.
  banner: {
    js: "import{createRequire as __rotatorRequire}from'node:module';const require=__rotatorRequire(import.meta.url);",
  },
  legalComments: 'none',
});

module.exports = esbuildOptions;
