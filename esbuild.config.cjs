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
  // The Tencent SDK's HTTP dependency, served by node:http instead (lib/teo/http-transport.ts), and two optional
  // dependencies this function never uses (lib/shims/unused-sdk-feature.ts).
  alias: {
    'node-fetch': './lib/teo/http-transport.ts',
    'form-data': './lib/shims/unused-sdk-feature.ts',
    'https-proxy-agent': './lib/shims/unused-sdk-feature.ts',
    'json-bigint': './lib/shims/native-json.ts',
    readline: './lib/shims/unused-sdk-feature.ts',
    // HMACs keyed with Buffers are three times faster through a KeyObject on Node 24 (lib/shims/node-crypto.ts).
    crypto: './lib/shims/node-crypto.ts',
    'node:crypto': './lib/shims/node-crypto.ts',
    // Read through require(), so that timers/promises is not loaded with it (lib/shims/node-timers.ts).
    'node:timers': './lib/shims/node-timers.ts',
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
