// Stands in, in the bundle, for @aws-lite/client's plugin loader: lib/aws/aws-json-client.ts loads no plugin (every
// call is a raw JSON-protocol request), for which the loader's own answer is this one. Aliased by esbuild.config.cjs.
module.exports = async function noPlugins() {
  return [];
};
