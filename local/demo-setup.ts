// The local demo: emulator account, zones and callers. Obviously not secrets; never valid anywhere else.
import { createHash } from 'node:crypto';
import { type EmulatorOptions, startTeoEmulator } from '../emulator/teo-emulator.ts';
import type { LocalAccessKey } from './sigv4-verifier.ts';

export const DEMO_TENCENT = {
  secretId: 'AKIDLOCALEMULATOREXAMPLE00000000',
  secretKey: 'LocalEmulatorSecretKeyNotSecret0',
};
export const DEMO_ZONES = ['zone-27q0p0bal192', 'zone-3fk9x0qa81mz'];
/** A demo zone that starts without a key: its first rotation creates one (docs/contract.md §1). */
export const DEMO_NEW_ZONE = 'zone-newsite0001';

export const LOCAL_TOKEN = 'local-dev-token';
export const LOCAL_WEBHOOK_SECRET = `whsec_${Buffer.from('local-dev-webhook-secret-not-secret').toString('base64')}`;
export const LOCAL_ACCESS_KEYS: Record<string, LocalAccessKey> = {
  AKIALOCALDEVEXAMPLE0: {
    secretAccessKey: 'LocalDevSecretAccessKeyNotSecret0000000',
    arn: 'arn:aws:sts::000000000000:assumed-role/local-dev/rotator-cli',
  },
};

/** ROTATOR_CLIENTS for local mode: one caller of each kind, allowed every zone. */
export const localClients = () =>
  JSON.stringify([
    {
      name: 'local-dev',
      zones: ['*'],
      tokenSha256: [createHash('sha256').update(LOCAL_TOKEN).digest('hex')],
    },
    { name: 'local-webhook', zones: ['*'], webhookSecrets: [LOCAL_WEBHOOK_SECRET] },
    { name: 'local-iam', zones: ['*'], iamPrincipals: ['arn:aws:iam::000000000000:role/local-dev'] },
  ]);

/** The demo Doppler project whose secret the second demo zone follows, through sync (docs/contract.md §8). */
export const DEMO_DOPPLER = {
  token: 'dp.st.demo.LocalDopplerServiceTokenNotSecret',
  webhookSecret: 'local-doppler-webhook-secret-not-secret',
  project: 'gateways',
  config: 'prd',
  name: 'TEO_GATEWAY_KEY',
};

/** The emulator with the demo account and zones (each zone's key starts as 32 zero bytes; the new one has none). */
export const startDemoEmulator = (
  options: Pick<EmulatorOptions, 'port' | 'rateLimitPerSecond' | 'keylessDescribe'> = {},
) =>
  startTeoEmulator({
    credentials: { [DEMO_TENCENT.secretId]: DEMO_TENCENT.secretKey },
    zones: {
      ...Object.fromEntries(DEMO_ZONES.map((zone) => [zone, Buffer.alloc(32).toString('base64')])),
      [DEMO_NEW_ZONE]: null,
    },
    ...options,
  });
