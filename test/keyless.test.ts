// Keyless mode (TENCENT_AUTH=oidc, docs/contract.md §3): the function role's web identity token from AWS STS,
// exchanged at Tencent's STS for a CAM role's temporary credentials, which sign TEO's calls with their token. All
// against loopback stand-ins (emulator/aws-sts.ts, emulator/tencent-sts.ts, the TEO emulator), on test clocks.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { parseTeoEndpoint, type TeoEndpoint } from '#lib/adapters/teo/endpoint.ts';
import { RENEW_BEFORE_MS } from '#lib/adapters/teo/keyless-credentials.ts';
import { checkKeyless } from '#lib/adapters/teo/keyless-health.ts';
import { createTencentCloudGateway } from '#lib/adapters/teo/tencent-cloud-gateway.ts';
import type { OidcSettings } from '#lib/adapters/teo/teo-settings.ts';
import { loadConfig } from '#lib/handlers/config/rotator-config.ts';
import { loadSyncConfig } from '#lib/handlers/config/sync-config.ts';
import { createSyncHandler } from '#lib/handlers/sync/handler.ts';
import { type AwsStsStandIn, startAwsStsStandIn } from '../emulator/aws-sts.ts';
import { identityKeyOf, startTencentStsStandIn, type TencentStsStandIn } from '../emulator/tencent-sts.ts';
import { startTeoEmulator, type TeoEmulator } from '../emulator/teo-emulator.ts';
import { type CapturedOutput, captureOutput } from './support/captured-output.ts';
import { lambdaContext, rotateEvent } from './support/events.ts';
import {
  FAST_RETRY,
  FINGERPRINT_KEY,
  KEY,
  OLD_KEY,
  OPS_TOKEN,
  testEnvironment,
  ZONE,
} from './support/fake-config.ts';
import { createDocumentedHandler } from './support/openapi.ts';

const PROVIDER = 'aws-lambda';
const AUDIENCE = 'teo-key-rotator';
const ROLE = 'qcs::cam::uin/100000000001:roleName/teo-key-rotator';
const OTHER_ROLE = 'qcs::cam::uin/100000000001:roleName/someone-elses';

let clock = Date.now();
/** How far AWS's clock is behind: its tokens end before Tencent's STS sees them. */
let awsLag = 0;
/** TEO's own clock: moved on alone, it sees credentials expire that the function still holds good. */
let teoClock = clock;
let aws: AwsStsStandIn;
let tencent: TencentStsStandIn;
let teo: TeoEmulator;
let output: CapturedOutput;

beforeAll(async () => {
  [aws, teo] = await Promise.all([
    startAwsStsStandIn({ now: () => clock - awsLag }),
    startTeoEmulator({ credentials: {}, zones: { [ZONE]: OLD_KEY }, now: () => teoClock }),
  ]);
  tencent = await startTencentStsStandIn({
    providers: [
      {
        name: PROVIDER,
        identityUrl: aws.issuer,
        clientIds: [AUDIENCE],
        identityKey: identityKeyOf(aws.jwks()),
      },
    ],
    roles: [
      { roleArn: ROLE, provider: PROVIDER, trust: { iss: aws.issuer, aud: [AUDIENCE], sub: [aws.roleArn] } },
      // A role that trusts the provider and the audience, but another AWS role.
      {
        roleArn: OTHER_ROLE,
        provider: PROVIDER,
        trust: { iss: aws.issuer, aud: [AUDIENCE], sub: ['arn:aws:iam::123456789012:role/someone-else'] },
      },
    ],
    onIssue: (credentials) => teo.acceptTemporary(credentials),
    now: () => clock,
  });
});
afterAll(async () => {
  await Promise.all([aws.close(), tencent.close(), teo.close()]);
});
beforeEach(() => {
  clock = Date.now();
  awsLag = 0;
  teoClock = clock;
  output = captureOutput();
});
afterEach(() => {
  output.restore();
  aws.calls.length = 0;
  tencent.refusals.length = 0;
  teo.calls.length = 0;
});

/** A function's keyless settings, against the stand-ins. */
const keylessSettings = () => ({
  TENCENT_AUTH: 'oidc',
  TENCENT_OIDC_PROVIDER_ID: PROVIDER,
  TENCENT_ROLE_ARN: ROLE,
  TENCENT_OIDC_AUDIENCE: AUDIENCE,
  TENCENT_STS_REGION: 'ap-singapore',
  TENCENT_STS_ENDPOINT: tencent.url,
});

const oidc = (changes: Partial<OidcSettings> = {}): OidcSettings => ({
  providerId: PROVIDER,
  roleArn: ROLE,
  audience: AUDIENCE,
  stsEndpoint: new URL(tencent.url),
  stsRegion: 'ap-singapore',
  ...changes,
});

const gateway = (settings: OidcSettings = oidc()) =>
  createTencentCloudGateway(
    { endpoint: parseTeoEndpoint(teo.url) as TeoEndpoint, timeoutMs: 2000, credentials: { oidc: settings } },
    { now: () => clock },
    {
      sts: awsJsonClient('sts', {
        env: aws.env,
        clock: { now: () => clock, random: () => 0.5, sleep: async () => undefined },
      }),
    },
  );
const describeZone = (teoGateway = gateway()) => teoGateway.describeSecretKey(ZONE, clock + 5000);

describe('keyless credentials', () => {
  it("signs TEO's calls with temporary credentials from Tencent's STS, for a token AWS minted for the role", async () => {
    await expect(describeZone()).resolves.toMatchObject({ secretKey: OLD_KEY });

    expect(aws.calls).toEqual(['GetWebIdentityToken']);
    expect(tencent.refusals).toEqual(['issued']);
    expect(teo.calls).toEqual([
      expect.objectContaining({ action: 'DescribeMultiPathGatewaySecretKey', answer: 'ok' }),
    ]);
    // The token is the role's, for the one audience, RS256, as short-lived as AWS allows.
    const [header, claims] = (tencent.tokens.at(-1) ?? '')
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toMatchObject({ alg: 'RS256' });
    expect(claims).toMatchObject({ iss: aws.issuer, aud: AUDIENCE, sub: aws.roleArn });
    expect(claims.exp - claims.iat).toBe(60);
  });

  it('keeps the credentials for the calls that follow, and gets new ones five minutes before they end', async () => {
    const teoGateway = gateway();
    await describeZone(teoGateway);
    await describeZone(teoGateway);
    const [first] = tencent.issued.slice(-1);
    clock = (first?.expiresAt ?? 0) - RENEW_BEFORE_MS - 1;
    await describeZone(teoGateway);
    const kept = aws.calls.length;
    clock += 1;
    await describeZone(teoGateway);

    expect([kept, aws.calls.length]).toEqual([1, 2]);
  });

  it('makes one exchange for calls that need credentials at once', async () => {
    const teoGateway = gateway();

    await Promise.all(Array.from({ length: 5 }, () => describeZone(teoGateway)));

    expect(aws.calls).toHaveLength(1);
    expect(tencent.refusals).toEqual(['issued']);
  });

  it('never keeps a failure: the next call gets credentials', async () => {
    const teoGateway = gateway();
    // Every attempt the AWS client makes.
    aws.failNext('InternalFailure', 3);

    await expect(describeZone(teoGateway)).rejects.toMatchObject({
      name: 'CredentialsUnavailable',
      message: 'AWS STS gave no web identity token (InternalFailure)',
    });
    await expect(describeZone(teoGateway)).resolves.toMatchObject({ secretKey: OLD_KEY });
    expect(teo.calls).toHaveLength(1);
  });

  it('renews the credentials once, and sends the call again, when TEO refuses them as expired', async () => {
    const teoGateway = gateway();
    await describeZone(teoGateway);
    const [held] = tencent.issued.slice(-1);
    teoClock = held?.expiresAt ?? 0;
    // The function's clock a second on: it still holds them good.
    clock += 1000;

    await expect(describeZone(teoGateway)).resolves.toMatchObject({ secretKey: OLD_KEY });
    // TEO refused the held ones before any action (the emulator lists only calls that reached one): renewed at once.
    expect(teo.calls.map(({ answer }) => answer)).toEqual(['ok', 'ok']);
    expect(aws.calls).toHaveLength(2);
  });

  it('answers what TEO said when renewed credentials are refused too, after one renewal only', async () => {
    const teoGateway = gateway();
    teoClock = clock + 10 * 3600_000;

    await expect(describeZone(teoGateway)).rejects.toMatchObject({ code: 'AuthFailure.TokenFailure' });
    expect(aws.calls).toHaveLength(2);
  });

  it.each([
    [
      'an audience the provider does not accept',
      { audience: 'someone-else' },
      'InvalidParameter.ParamError',
      "the token's aud is not among the provider's ClientId",
    ],
    [
      'a role that does not exist',
      { roleArn: 'qcs::cam::uin/100000000001:roleName/other' },
      'ResourceNotFound.RoleNotFound',
      'no role has this RoleArn',
    ],
    [
      'a provider that does not exist',
      { providerId: 'nobody' },
      'InvalidParameter.ParamError',
      'no OIDC provider has this ProviderId',
    ],
    [
      'a role whose trust names another AWS role (oidc:sub)',
      { roleArn: OTHER_ROLE },
      'UnauthorizedOperation',
      "the role's oidc:sub condition is not met",
    ],
  ])('fails, naming Tencent’s code, for %s', async (_, changes, code, reason) => {
    await expect(describeZone(gateway(oidc(changes)))).rejects.toMatchObject({
      name: 'CredentialsUnavailable',
      message: `Tencent STS refused the exchange (${code})`,
    });
    expect(tencent.refusals).toEqual([reason]);
    expect(teo.calls).toEqual([]);
  });

  it('fails when AWS has begun signing with a key CAM holds no copy of, until the JWKS is uploaded again', async () => {
    aws.rotateSigningKey();

    await expect(describeZone()).rejects.toMatchObject({
      message: 'Tencent STS refused the exchange (InvalidParameter.ParamError)',
    });
    tencent.uploadJwks(PROVIDER, aws.jwks());
    await expect(describeZone()).resolves.toMatchObject({ secretKey: OLD_KEY });
    expect(tencent.refusals).toEqual(["no key of the provider's IdentityKey has the token's kid", 'issued']);
  });

  it('fails when the token has expired by the time Tencent checks it', async () => {
    awsLag = 61_000;

    await expect(describeZone()).rejects.toMatchObject({
      message: 'Tencent STS refused the exchange (InvalidParameter.ParamError)',
    });
    expect(tencent.refusals).toEqual(['the token has expired']);
  });

  it('fails when the outbound identity federation is off in the AWS account', async () => {
    aws.setEnabled(false);
    try {
      await expect(describeZone()).rejects.toMatchObject({
        message: 'AWS STS gave no web identity token (OutboundWebIdentityFederationDisabledException)',
      });
    } finally {
      aws.setEnabled(true);
    }
  });

  it("fails, naming the kind of error, when Tencent's STS cannot be reached", async () => {
    await expect(
      describeZone(gateway(oidc({ stsEndpoint: new URL('http://127.0.0.1:9/') }))),
    ).rejects.toMatchObject({
      name: 'CredentialsUnavailable',
      message: 'Tencent STS could not be reached (Error)',
    });
  });
});

describe('a rotation in keyless mode', () => {
  const keyless = () =>
    testEnvironment(teo.url, {
      TENCENTCLOUD_SECRET_ID: undefined,
      TENCENTCLOUD_SECRET_KEY: undefined,
      ...keylessSettings(),
    });
  const rotate = (env: Record<string, string | undefined>) =>
    createDocumentedHandler(loadConfig(env), {
      retry: FAST_RETRY,
      sts: awsJsonClient('sts', { env: aws.env }),
    })(
      rotateEvent('http-api-v2', {
        headers: { Authorization: `Bearer ${OPS_TOKEN}` },
        body: JSON.stringify({ ZoneId: ZONE, SecretKey: KEY }),
      }),
      lambdaContext(),
    );

  it('rotates the key, and nothing it writes holds the token or the temporary credentials', async () => {
    const answer = await rotate(keyless());

    expect(answer.statusCode).toBe(200);
    expect(teo.zoneKey(ZONE)).toBe(KEY);
    const [held] = tencent.issued.slice(-1);
    const written = `${output.text()}${answer.body}`;
    for (const secret of [tencent.tokens.at(-1), held?.secretId, held?.secretKey, held?.token]) {
      expect(secret && secret.length > 16).toBe(true);
      expect(written).not.toContain(secret);
    }
  });

  it('answers 502 CredentialsUnavailable, saying nothing was sent, when the exchange is refused', async () => {
    const answer = await rotate({ ...keyless(), TENCENT_OIDC_AUDIENCE: 'someone-else' });

    expect(answer.statusCode).toBe(502);
    expect(JSON.parse(answer.body).Error).toEqual({
      Code: 'CredentialsUnavailable',
      Message:
        'The function could not get its Tencent credentials: Tencent STS refused the exchange (InvalidParameter.ParamError). Nothing was sent to TEO.',
    });
    expect(teo.calls).toEqual([]);
  });
});

describe('the keyless health check', () => {
  const check = (zoneId: string | undefined = ZONE) =>
    checkKeyless({
      oidc: oidc(),
      teo: { endpoint: parseTeoEndpoint(teo.url) as TeoEndpoint, timeoutMs: 2000 },
      zoneId,
      sts: awsJsonClient('sts', { env: aws.env }),
      clock: { now: () => clock },
    });
  /** Puts CAM's copy back to what AWS publishes, after a test that made them differ. */
  const resync = () => tencent.uploadJwks(PROVIDER, aws.jwks());
  afterEach(() => {
    resync();
    tencent.setCamReadable(true);
  });

  it("passes when the token's key is in CAM's copy, with every key AWS publishes, and a zone is described", async () => {
    const health = await check();

    expect(health).toEqual({
      healthy: true,
      tokenKid: expect.stringMatching(/^RSA_/),
      missingFromCam: [],
    });
    expect(teo.calls).toEqual([
      expect.objectContaining({ action: 'DescribeMultiPathGatewaySecretKey', answer: 'ok' }),
    ]);
  });

  it("passes with a copy of AWS's RSA keys alone (its EC key signs nothing the function asks for)", async () => {
    tencent.uploadJwks(PROVIDER, { keys: aws.jwks().keys.filter(({ kty }) => kty === 'RSA') });

    await expect(check()).resolves.toMatchObject({ healthy: true, missingFromCam: [] });
  });

  it('fails before anything breaks when AWS publishes a key CAM holds no copy of', async () => {
    aws.rotateSigningKey({ signWithIt: false });
    const [next] = aws.jwks().keys.slice(-1);

    const health = await check();

    expect(health).toMatchObject({ healthy: false, missingFromCam: [next?.kid] });
    expect(health).not.toHaveProperty('failed');
  });

  it('names the exchange, and the key AWS signed with, when CAM holds no copy of it', async () => {
    aws.rotateSigningKey();
    const [signing] = aws.jwks().keys.slice(-1);

    await expect(check()).resolves.toEqual({
      healthy: false,
      failed: { step: 'exchange', reason: 'Tencent STS refused the exchange (InvalidParameter.ParamError)' },
      tokenKid: signing?.kid,
    });
  });

  it('names the token step when AWS gives none', async () => {
    aws.setEnabled(false);
    try {
      await expect(check()).resolves.toEqual({
        healthy: false,
        failed: {
          step: 'token',
          reason: 'AWS STS gave no web identity token (OutboundWebIdentityFederationDisabledException)',
        },
      });
    } finally {
      aws.setEnabled(true);
    }
  });

  it('names the Describe when TEO refuses the role, and passes without comparing keys CAM will not show', async () => {
    teo.inject({ kind: 'error', code: 'UnauthorizedOperation' });
    const refused = await check();
    tencent.setCamReadable(false);
    const unread = await check();

    expect(refused).toMatchObject({
      healthy: false,
      failed: {
        step: 'describe',
        reason: 'TEO answered UnauthorizedOperation to DescribeMultiPathGatewaySecretKey',
      },
    });
    expect(unread).toEqual({ healthy: true, tokenKid: expect.any(String) });
  });

  it('runs with the schedule, one line with its metric, at ERROR when unhealthy', async () => {
    const env = {
      ...keylessSettings(),
      ROTATOR_FINGERPRINT_KEY: FINGERPRINT_KEY,
      TEO_ENDPOINT: teo.url,
      ROTATOR_SYNC_BINDINGS: '[]',
    };
    const loaded = loadSyncConfig(env);
    const handler = createSyncHandler(loaded, {
      retry: FAST_RETRY,
      sts: awsJsonClient('sts', { env: aws.env }),
    });
    const schedule = { source: 'aws.events', 'detail-type': 'Scheduled Event' };
    const healthLine = () => output.lines().findLast((line) => line.operation === 'keyless-health');

    await handler(schedule, lambdaContext());
    const healthy = healthLine();
    aws.rotateSigningKey({ signWithIt: false });
    await handler(schedule, lambdaContext());
    const unhealthy = healthLine();

    expect(healthy).toMatchObject({
      level: 'INFO',
      outcome: 'healthy',
      tokenKid: expect.stringMatching(/^RSA_/),
    });
    expect(healthy).not.toHaveProperty('KeylessUnhealthy');
    expect(healthy).not.toHaveProperty('missingFromCam');
    expect(unhealthy).toMatchObject({ level: 'ERROR', outcome: 'unhealthy', KeylessUnhealthy: 1 });
    expect(unhealthy?.missingFromCam).toHaveLength(1);
    expect(
      (unhealthy?._aws as { CloudWatchMetrics?: unknown[] } | undefined)?.CloudWatchMetrics,
    ).toContainEqual({
      Namespace: 'TeoKeyRotator',
      Dimensions: [['service']],
      Metrics: [{ Name: 'KeylessUnhealthy', Unit: 'Count' }],
    });
    // A role that may not read CAM: the check passes on what it can see, and says nothing of the copy.
    resync();
    tencent.setCamReadable(false);
    await handler(schedule, lambdaContext());
    expect(healthLine()).toMatchObject({ outcome: 'healthy' });
    expect(healthLine()).not.toHaveProperty('missingFromCam');
  });
});
