// The local demo: emulator account, zones and callers. Obviously not secrets; never valid anywhere else.
import { createHash } from 'node:crypto';
import { startAwsStsStandIn } from '../emulator/aws-sts.ts';
import { identityKeyOf, startTencentStsStandIn } from '../emulator/tencent-sts.ts';
import { type EmulatorOptions, startTeoEmulator, type TeoEmulator } from '../emulator/teo-emulator.ts';
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

/** Keyless (TENCENT_AUTH=oidc): the demo's CAM provider, role and audience (docs/contract.md §3). */
export const DEMO_OIDC = {
  providerId: 'aws-lambda',
  roleArn: 'qcs::cam::uin/100000000001:roleName/teo-key-rotator',
  audience: 'teo-key-rotator',
  stsRegion: 'ap-singapore',
};

/**
 * AWS STS and Tencent's STS stand-ins wired to the emulator, as a deployer sets them up: CAM trusts the stand-in
 * issuer for the audience and the role, and holds a copy of its JWKS. `env` is what the functions then need.
 */
export async function startKeylessStandIns(
  emulator: TeoEmulator,
  options: Parameters<typeof startAwsStsStandIn>[0] = {},
) {
  const aws = await startAwsStsStandIn(options);
  const tencent = await startTencentStsStandIn({
    providers: [
      {
        name: DEMO_OIDC.providerId,
        identityUrl: aws.issuer,
        clientIds: [DEMO_OIDC.audience],
        identityKey: identityKeyOf(aws.jwks()),
      },
    ],
    roles: [
      {
        roleArn: DEMO_OIDC.roleArn,
        provider: DEMO_OIDC.providerId,
        trust: { iss: aws.issuer, aud: [DEMO_OIDC.audience], sub: [aws.roleArn] },
      },
    ],
    onIssue: (credentials) => emulator.acceptTemporary(credentials),
  });
  return {
    aws,
    tencent,
    env: {
      ...aws.env,
      TENCENT_AUTH: 'oidc',
      TENCENT_OIDC_PROVIDER_ID: DEMO_OIDC.providerId,
      TENCENT_ROLE_ARN: DEMO_OIDC.roleArn,
      TENCENT_OIDC_AUDIENCE: DEMO_OIDC.audience,
      TENCENT_STS_REGION: DEMO_OIDC.stsRegion,
      TENCENT_STS_ENDPOINT: tencent.url,
    },
    close: () => Promise.all([aws.close(), tencent.close()]),
  };
}
