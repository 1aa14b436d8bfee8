import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Against the working directory, not this file's URL: in StrykerJS's sandbox the config is read from the original
// tree, and the aliased files must be the sandbox's own (mutated) copies.
const local = (path: string) => resolve(process.cwd(), path);

export default defineConfig({
  resolve: {
    // As in the bundle (esbuild.config.cjs): the SDK's ES module build, whose `node-fetch` import is served by
    // the transport that ships. Vite's server-side resolution would otherwise load the CommonJS build.
    alias: [
      {
        find: /^tencentcloud-sdk-nodejs-common$/,
        replacement: local('./node_modules/tencentcloud-sdk-nodejs-common/es/index.js'),
      },
      { find: /^node-fetch$/, replacement: local('./lib/adapters/teo/http-transport.ts') },
      {
        find: /^(?:form-data|https-proxy-agent)$/,
        replacement: local('./lib/adapters/teo/sdk-shims/unused-sdk-feature.ts'),
      },
      { find: /^json-bigint$/, replacement: local('./lib/adapters/teo/sdk-shims/native-json.ts') },
      { find: /^readline$/, replacement: local('./lib/adapters/teo/sdk-shims/unused-sdk-feature.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/openapi-document.ts'],
    reporters: process.env.CI ? ['default', './test/support/plain-summary-reporter.ts'] : ['default'],
    // The SDK must go through the aliases above, so it is transformed rather than loaded by Node directly.
    server: { deps: { inline: ['tencentcloud-sdk-nodejs-common'] } },
    pool: 'forks',
    testTimeout: 15_000,
  },
});
