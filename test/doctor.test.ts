// `rotator doctor` (cli/doctor.ts): a deployer's check of keyless mode with their own credentials, against the AWS
// and Tencent stand-ins: the issuer, CAM's provider, and whether CAM's copy of AWS's signing keys is current.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AwsStsStandIn, startAwsStsStandIn } from '../emulator/aws-sts.ts';
import { identityKeyOf, startTencentStsStandIn, type TencentStsStandIn } from '../emulator/tencent-sts.ts';
import { rotator } from './support/local-stack.ts';

const ADMIN = { id: 'AKIDFAKEDEPLOYERKEY000000000000000000', key: 'FakeDeployerSecretKeyForTests000' };
let aws: AwsStsStandIn;
let tencent: TencentStsStandIn;

beforeAll(async () => {
  aws = await startAwsStsStandIn();
  tencent = await startTencentStsStandIn({
    providers: [
      {
        name: 'aws-lambda',
        identityUrl: aws.issuer,
        clientIds: ['teo-key-rotator'],
        identityKey: identityKeyOf(aws.jwks()),
      },
    ],
    roles: [],
    onIssue: () => undefined,
    adminKeys: { [ADMIN.id]: ADMIN.key },
  });
});
afterAll(async () => {
  await Promise.all([aws.close(), tencent.close()]);
});
afterEach(() => tencent.uploadJwks('aws-lambda', aws.jwks()));

const doctor = (...extra: string[]) =>
  rotator(['doctor', '--provider-id', 'aws-lambda', '--cam-endpoint', tencent.url, ...extra], {
    AWS_ENDPOINT_URL_IAM: aws.issuer,
    AWS_ACCESS_KEY_ID: aws.env.AWS_ACCESS_KEY_ID as string,
    AWS_SECRET_ACCESS_KEY: aws.env.AWS_SECRET_ACCESS_KEY as string,
    TENCENTCLOUD_SECRET_ID: ADMIN.id,
    TENCENTCLOUD_SECRET_KEY: ADMIN.key,
  });

describe('rotator doctor', () => {
  it('passes every check when CAM trusts the issuer and the audience and holds every key AWS publishes', async () => {
    const result = await doctor('--audience', 'teo-key-rotator');

    expect(result.stdout.trim().split('\n')).toEqual([
      'ok   AWS outbound identity federation is enabled in the account',
      `ok   AWS publishes its signing keys at ${aws.issuer}/.well-known/jwks.json`,
      `ok   CAM's provider aws-lambda trusts the issuer ${aws.issuer}`,
      "ok   CAM's provider accepts the audience teo-key-rotator",
      "ok   CAM's copy holds every key AWS publishes",
    ]);
    expect(result.code).toBe(0);
  });

  it('fails, naming the key CAM lacks and printing the command that uploads the current keys', async () => {
    aws.rotateSigningKey({ signWithIt: false });
    const [added] = aws.jwks().keys.slice(-1);

    const result = await doctor('--audience', 'another-audience');

    expect(result.code).toBe(1);
    expect(result.stdout).toContain("FAIL CAM's provider accepts the audience another-audience");
    expect(result.stdout).toContain(
      `FAIL CAM's copy lacks ${added?.kid}: every exchange fails once AWS signs with it`,
    );
    expect(result.stdout).toContain(
      `tccli cam UpdateOIDCConfig --Name aws-lambda --IdentityUrl ${aws.issuer} --ClientId '["teo-key-rotator"]' --IdentityKey "$(curl -s ${aws.issuer}/.well-known/jwks.json | base64 -w0)"`,
    );
  });

  it('says why when CAM refuses the deployer, and never prints a credential', async () => {
    const result = await rotator(
      [
        'doctor',
        '--provider-id',
        'aws-lambda',
        '--audience',
        'a',
        '--issuer',
        aws.issuer,
        '--cam-endpoint',
        tencent.url,
      ],
      {
        TENCENTCLOUD_SECRET_ID: ADMIN.id,
        TENCENTCLOUD_SECRET_KEY: 'WrongSecretKeyForTheDeployer0000',
      },
    );

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: CAM answered AuthFailure.SignatureFailure to DescribeOIDCConfig');
    expect(`${result.stdout}${result.stderr}`).not.toContain('WrongSecretKeyForTheDeployer0000');
  });

  it("refuses a CAM endpoint that is neither Tencent's nor a loopback stand-in, before asking anyone", async () => {
    const result = await doctor('--audience', 'a', '--cam-endpoint', 'http://cam.tencentcloudapi.com');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--cam-endpoint must be https://cam.<...>.tencentcloudapi.com or an http:// loopback URL',
    );
    expect(result.stdout).toBe('');
  });

  it('asks for the provider and the audience', async () => {
    const result = await rotator(['doctor', '--provider-id', 'aws-lambda']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('doctor needs --provider-id and --audience');
  });
});
