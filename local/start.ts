// `npm start`: builds the function, starts the TEO emulator, and serves the real bundled handler on loopback.
import { pathToFileURL } from 'node:url';
import type { RotateHandler } from '#lib/rotate-handler.ts';
import type { TeoEmulator } from '../emulator/teo-emulator.ts';
import { buildFunctions } from '../scripts/build.ts';
import {
  DEMO_TENCENT,
  DEMO_ZONES,
  LOCAL_ACCESS_KEYS,
  LOCAL_TOKEN,
  LOCAL_WEBHOOK_SECRET,
  localClients,
  startDemoEmulator,
} from './demo-setup.ts';
import { startLocalServer } from './server.ts';

const port = Number(process.env.PORT ?? 3000);
const realTeo = Boolean(
  process.env.TENCENTCLOUD_SECRET_ID && process.env.TENCENTCLOUD_SECRET_KEY && process.env.TEO_ENDPOINT,
);

await buildFunctions();

let emulator: TeoEmulator | undefined;
if (realTeo) {
  console.log(`Talking to the real TEO at ${process.env.TEO_ENDPOINT} with your TENCENTCLOUD_* credentials.`);
} else {
  emulator = await startDemoEmulator();
  Object.assign(process.env, {
    TENCENTCLOUD_SECRET_ID: DEMO_TENCENT.secretId,
    TENCENTCLOUD_SECRET_KEY: DEMO_TENCENT.secretKey,
    TEO_ENDPOINT: emulator.url,
  });
  console.log(
    `TEO emulator at ${emulator.url} (zones: ${DEMO_ZONES.join(', ')}); no Tencent account needed.`,
  );
}
process.env.ROTATOR_CLIENTS ??= localClients();

// Configuration is read when the bundle loads, as at a Lambda cold start: the environment is set first.
const { handler }: { handler: RotateHandler } = await import(pathToFileURL('dist/rotate/index.mjs').href);

const server = await startLocalServer(handler, { port, accessKeys: LOCAL_ACCESS_KEYS }).catch((error) => {
  console.error(
    error.code === 'EADDRINUSE'
      ? `Port ${port} is in use. Choose another one: PORT=${port + 1} npm start`
      : `Could not listen on port ${port}: ${error.message}`,
  );
  process.exit(1);
});

console.log(`
Rotator listening on ${server.url}/rotate (the bundled handler, as API Gateway's HTTP API would invoke it)

Callers: bearer token ${LOCAL_TOKEN}; webhook secret ${LOCAL_WEBHOOK_SECRET};
AWS access key ${Object.keys(LOCAL_ACCESS_KEYS)[0]} (secret ${Object.values(LOCAL_ACCESS_KEYS)[0]?.secretAccessKey}). All may rotate any zone.

Try it:
  curl -sS ${server.url}/rotate -H 'authorization: Bearer ${LOCAL_TOKEN}' -H 'content-type: application/json' \\
    -d '{"ZoneId":"${DEMO_ZONES[0]}","SecretKey":"'"$(openssl rand -base64 32)"'"}'
  ROTATOR_TOKEN=${LOCAL_TOKEN} npm run rotator -- rotate --url ${server.url} --zone ${DEMO_ZONES[0]} --generate

Audit lines follow. Ctrl-C stops everything.
`);

const stop = async () => {
  await server.close();
  await emulator?.close();
  console.log('Stopped.');
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
