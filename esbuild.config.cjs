// The one set of esbuild options: `npm run build` (scripts/build.ts) and serverless-esbuild both use it.
// CommonJS because serverless-esbuild loads it with require() and calls the export.

const path = require('node:path');

/** @type {import('esbuild').Plugin} @aws-lite/client's vendored XML and AWS-JSON code, never reached here. */
const unusedAwsLiteVendors = {
  name: 'unused-aws-lite-vendors',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/_vendor\/(?:aws|xml)$/ }, ({ importer }) =>
      importer.includes(`${path.sep}@aws-lite${path.sep}client${path.sep}`)
        ? { path: path.join(__dirname, 'lib', 'aws', 'unused-aws-lite-vendor.ts') }
        : undefined,
    );
  },
};

/** @returns {import('esbuild').BuildOptions & { outputFileExtension: string, exclude: string[] }} */
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
  // dependencies this function never uses (lib/teo/unused-sdk-feature.ts).
  alias: {
    'node-fetch': './lib/teo/http-transport.ts',
    'form-data': './lib/teo/unused-sdk-feature.ts',
    'https-proxy-agent': './lib/teo/unused-sdk-feature.ts',
    'json-bigint': './lib/teo/native-json.ts',
    readline: './lib/teo/unused-sdk-feature.ts',
    // Loaded with require() rather than an ES module import: 4.5 ms less at every cold start (lib/node-crypto.ts).
    crypto: './lib/node-crypto.ts',
    'node:crypto': './lib/node-crypto.ts',
  },
  plugins: [unusedAwsLiteVendors],
  // A name the crypto shim does not export would be undefined at run time: make that a build error.
  logOverride: { 'import-is-undefined': 'error' },
  // CommonJS dependencies call require() for Node built-ins; an ES module has none unless given one.
  banner: {
    js: "import{createRequire as __rotatorRequire}from'node:module';const require=__rotatorRequire(import.meta.url);",
  },
  legalComments: 'none',
  // The nodejs24.x runtime provides AWS SDK v3, and only the DynamoDB ledger uses it (loaded when ROTATOR_TABLE
  // is set): bundling it would take the bundle from about 270 KB to about 700 KB. Everything else is bundled.
  external: ['@aws-sdk/*'],
  // For serverless-esbuild: leave it out of the package too, rather than installing it next to the bundle.
  exclude: ['@aws-sdk/*'],
});

module.exports = esbuildOptions;
