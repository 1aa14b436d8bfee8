// The one set of esbuild options: `npm run build` (scripts/build.ts) and serverless-esbuild both use it.
// CommonJS because serverless-esbuild loads it with require() and calls the export.

const path = require('node:path');

/** What @aws-lite/client requires that this project never reaches, and what stands in for each (see each file). */
const AWS_LITE_STAND_INS = {
  '../_vendor/aws': 'unused-aws-lite-vendor.ts',
  '../_vendor/xml': 'unused-aws-lite-vendor.ts',
  './config/get-creds': 'aws-lite-credentials.cjs',
  './config/get-plugins': 'aws-lite-plugins.cjs',
};

/** @type {import('esbuild').Plugin} */
const awsLiteStandIns = {
  name: 'aws-lite-stand-ins',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\/(?:_vendor|config)\// }, ({ path: specifier, importer }) => {
      const standIn = AWS_LITE_STAND_INS[/** @type {keyof typeof AWS_LITE_STAND_INS} */ (specifier)];
      return standIn && importer.includes(`${path.sep}@aws-lite${path.sep}client${path.sep}`)
        ? { path: path.join(__dirname, 'lib', 'aws', standIn) }
        : undefined;
    });
  },
};

/**
 * Everything is bundled, the AWS client included (lib/aws/aws-json-client.ts): nothing is left to the runtime.
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
  plugins: [awsLiteStandIns],
  // A name the crypto shim does not export would be undefined at run time: make that a build error.
  logOverride: { 'import-is-undefined': 'error' },
  // CommonJS dependencies call require() for Node built-ins; an ES module has none unless given one.
  banner: {
    js: "import{createRequire as __rotatorRequire}from'node:module';const require=__rotatorRequire(import.meta.url);",
  },
  legalComments: 'none',
});

module.exports = esbuildOptions;
