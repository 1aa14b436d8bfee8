// `npm start`: builds the function, starts the TEO emulator, and serves the real bundled handler on loopback.
// With TENCENTCLOUD_* and TEO_ENDPOINT set it talks to that TEO instead, and then only with callers of your own:
// the demo callers' credentials are printed below and in docs/local.md, so they never reach a real zone.
// `TENCENT_AUTH=oidc npm start`: keyless, against stand-ins for AWS STS and Tencent's STS (docs/contract.md §3).

import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { isLoopbackHost } from '#lib/adapters/http/loopback.ts';
import { loadConfig } from '#lib/handlers/config/rotator-config.ts';
import type { RotateHandler } from '#lib/handlers/rotate/handler.ts';
import { type DopplerEmulator, startDopplerEmulator } from '../emulator/secrets-managers.ts';
import type { TeoEmulator } from '../emulator/teo-emulator.ts';
import { buildFunctions } from '../scripts/build.ts';
import {
  DEMO_DOPPLER,
  DEMO_NEW_ZONE,
  DEMO_TENCENT,
  DEMO_ZONES,
  LOCAL_ACCESS_KEYS,
  LOCAL_TOKEN,
  LOCAL_WEBHOOK_SECRET,
  localClients,
  startDemoEmulator,
  startKeylessStandIns,
} from './demo-setup.ts';
import { startLocalServer } from './server.ts';

const port = Number(process.env.PORT ?? 3000);
const region = process.env.AWS_REGION || 'us-east-1';
const ownTeo = Boolean(
  process.env.TENCENTCLOUD_SECRET_ID && process.env.TENCENTCLOUD_SECRET_KEY && process.env.TEO_ENDPOINT,
);
const demoCallers = process.env.ROTATOR_CLIENTS === undefined;

if (ownTeo && demoCallers) {
  console.error(`With your TENCENTCLOUD_* credentials, npm start needs callers of your own: set ROTATOR_CLIENTS.
The demo callers' credentials are public (they are in docs/local.md), so they never reach a TEO you point it at.`);
  process.exit(1);
}

await buildFunctions();

// One for this run unless given: fingerprints then agree across the functions, and are comparable across restarts
// only with a key of your own.
process.env.ROTATOR_FINGERPRINT_KEY ||= randomBytes(32).toString('base64');

let emulator: TeoEmulator | undefined;
let doppler: DopplerEmulator | undefined;
let keyless: Awaited<ReturnType<typeof startKeylessStandIns>> | undefined;
if (ownTeo) {
  const endpoint = new URL(process.env.TEO_ENDPOINT ?? '');
  const what = isLoopbackHost(endpoint.hostname) ? 'a TEO emulator on this machine' : 'the real TEO';
  console.log(`Talking to ${what} at ${endpoint.origin} with your TENCENTCLOUD_* credentials.`);
} else {
  emulator = await startDemoEmulator();
  process.env.TEO_ENDPOINT = emulator.url;
  if (process.env.TENCENT_AUTH === 'oidc') {
    keyless = await startKeylessStandIns(emulator);
    Object.assign(process.env, keyless.env);
  } else {
    Object.assign(process.env, {
      TENCENTCLOUD_SECRET_ID: DEMO_TENCENT.secretId,
      TENCENTCLOUD_SECRET_KEY: DEMO_TENCENT.secretKey,
    });
  }
  console.log(
    `TEO emulator at ${emulator.url} (zones: ${[...DEMO_ZONES, `${DEMO_NEW_ZONE} (no key yet)`].join(', ')}); no Tencent account needed.`,
  );
  if (keyless) {
    console.log(`Keyless (TENCENT_AUTH=oidc): no Tencent key anywhere. Each function gets a web identity token from the AWS STS
stand-in (${keyless.aws.issuer}) and exchanges it at the Tencent STS stand-in (${keyless.tencent.url}) for
temporary credentials of ${process.env.TENCENT_ROLE_ARN}, which TEO accepts with their token.`);
  }
  // Sync's demo: the second zone follows a secret in an emulated Doppler.
  doppler = await startDopplerEmulator(DEMO_DOPPLER.token);
  doppler.set(
    DEMO_DOPPLER.project,
    DEMO_DOPPLER.config,
    DEMO_DOPPLER.name,
    randomBytes(32).toString('base64'),
  );
  const { project, config, name } = DEMO_DOPPLER;
  Object.assign(process.env, {
    DOPPLER_TOKEN: DEMO_DOPPLER.token,
    DOPPLER_WEBHOOK_SECRET: DEMO_DOPPLER.webhookSecret,
    ROTATOR_SYNC_BINDINGS: JSON.stringify([
      { zone: DEMO_ZONES[1], source: { kind: 'doppler', apiUrl: doppler.url, project, config, name } },
    ]),
  });
}
process.env.ROTATOR_CLIENTS ??= localClients();

// Deployed, invalid configuration fails every request closed (500), the reason in the log's first line. Here there
// is someone at the terminal: say why, and stop, rather than serve 500s.
const loaded = loadConfig(process.env);
if (!loaded.ok) {
  console.error(
    `The configuration is invalid; npm start stops:\n${loaded.problems.map((problem) => `  - ${problem}`).join('\n')}`,
  );
  await emulator?.close();
  await doppler?.close();
  await keyless?.close();
  process.exit(1);
}

// Configuration is read when the bundle loads, as at a Lambda cold start: the environment is set first.
const { handler }: { handler: RotateHandler } = await import(pathToFileURL('dist/rotate/index.mjs').href);
const sync: { handler: RotateHandler } | undefined =
  doppler && (await import(pathToFileURL('dist/sync/index.mjs').href));

const options = { port, accessKeys: LOCAL_ACCESS_KEYS, region, ...(sync && { sync: sync.handler }) };
const server = await startLocalServer(handler, options).catch((error) => {
  console.error(
    error.code === 'EADDRINUSE'
      ? `Port ${port} is in use. Choose another one: PORT=${port + 1} npm start`
      : `Could not listen on port ${port}: ${error.message}`,
  );
  process.exit(1);
});

const [accessKeyId, accessKey] = Object.entries(LOCAL_ACCESS_KEYS)[0] ?? [];
console.log(`
Rotator listening on ${server.url}/rotate (IAM callers: ${server.url}/iam/rotate), the bundled handler as API
Gateway's HTTP API would invoke it; only requests addressed to ${server.url} are served.
${
  demoCallers
    ? `
Demo callers, each allowed every zone: bearer token ${LOCAL_TOKEN}; webhook secret ${LOCAL_WEBHOOK_SECRET};
AWS access key ${accessKeyId} (secret ${accessKey?.secretAccessKey}, region ${region}).

Try it:
  curl -sS ${server.url}/rotate -H 'authorization: Bearer ${LOCAL_TOKEN}' -H 'content-type: application/json' \\
    -d '{"ZoneId":"${DEMO_ZONES[0]}","SecretKey":"'"$(openssl rand -base64 32)"'"}'
  ROTATOR_TOKEN=${LOCAL_TOKEN} npm run -s rotator -- rotate --url ${server.url} --zone ${DEMO_ZONES[0]} --generate
${
  emulator
    ? `
A new zone: ${DEMO_NEW_ZONE} has no key yet. Its status says so, and its first rotation creates the key:
  ROTATOR_TOKEN=${LOCAL_TOKEN} npm run -s rotator -- status --url ${server.url} --zone ${DEMO_NEW_ZONE}
  ROTATOR_TOKEN=${LOCAL_TOKEN} npm run -s rotator -- rotate --url ${server.url} --zone ${DEMO_NEW_ZONE} --generate
`
    : ''
}${
  doppler
    ? `
Sync: ${DEMO_ZONES[1]} follows the secret ${DEMO_DOPPLER.name} in an emulated Doppler (${doppler.url}). Deliver the
webhook Doppler sends on a change, signed with the webhook secret, and TEO's key becomes Doppler's:
  BODY='{"type":"config.secrets.update","config":{"project":"${DEMO_DOPPLER.project}","name":"${DEMO_DOPPLER.config}"}}'
  curl -sS ${server.url}/sync/doppler -H 'content-type: application/json' --data-binary "$BODY" \\
    -H "x-doppler-signature: sha256=$(printf %s "$BODY" | openssl dgst -sha256 -hmac '${DEMO_DOPPLER.webhookSecret}' | sed 's/^.* //')"
  ROTATOR_TOKEN=${LOCAL_TOKEN} npm run -s rotator -- status --url ${server.url} --zone ${DEMO_ZONES[1]}
`
    : ''
}`
    : `
Callers: yours, from ROTATOR_CLIENTS.
`
}
Audit lines follow. Ctrl-C stops everything.
`);

const stop = async () => {
  await server.close();
  await emulator?.close();
  await doppler?.close();
  await keyless?.close();
  console.log('Stopped.');
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
