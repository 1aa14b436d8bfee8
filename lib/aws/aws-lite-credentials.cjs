// Stands in, in the bundle, for @aws-lite/client's credential chain (SSO, profiles, credential_process, container and
// instance metadata, with an INI parser: 9.6 KB). lib/aws/aws-json-client.ts always passes the credentials Lambda puts
// in the function's environment, and refuses to start without them, so the chain's fallbacks are never reached.
// CommonJS, because aws-lite require()s it and calls the export. Aliased by esbuild.config.cjs.

/** @param {{ config: { accessKeyId?: string, secretAccessKey?: string, sessionToken?: string } }} params */
module.exports = async function credentialsFromConfig({ config }) {
  const { accessKeyId, secretAccessKey, sessionToken } = config;
  return { accessKeyId, secretAccessKey, ...(sessionToken && { sessionToken }) };
};
