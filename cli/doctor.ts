// `rotator doctor`: for deployers of keyless mode (docs/contract.md §3), with their own credentials, what keeps it
// working: AWS's outbound identity federation on and its issuer; CAM's OIDC provider naming that issuer and the
// audience; and CAM's copy of AWS's signing keys holding every key AWS publishes (CAM keeps a copy; when AWS signs
// with a key CAM lacks, every exchange fails). Prints each check, and the command that mends a stale copy.
import { camClient, keyIdsOf, type OidcConfig } from '#lib/adapters/teo/cam.ts';
import type { TeoEndpoint } from '#lib/adapters/teo/endpoint.ts';
import { sigV4Request } from './aws-sigv4.ts';

export interface DoctorOptions {
  readonly providerId: string;
  readonly audience: string;
  /** The issuer, if known; else read from IAM (GetOutboundWebIdentityFederationInfo). */
  readonly issuer?: string | undefined;
  /** CAM's endpoint: Tencent's (cam.tencentcloudapi.com) unless a loopback stand-in is named. */
  readonly camEndpoint: TeoEndpoint;
}

interface Check {
  readonly ok: boolean;
  readonly what: string;
}

/** Every check, in order; the exit status is 0 when all pass. */
export async function doctor(options: DoctorOptions): Promise<{ checks: Check[]; mend?: string }> {
  const checks: Check[] = [];
  let issuer = options.issuer;
  if (issuer === undefined) {
    const info = await federationInfo();
    checks.push({ ok: info.enabled, what: 'AWS outbound identity federation is enabled in the account' });
    issuer = info.issuer;
  }
  const published = await jwksOf(issuer);
  checks.push({
    ok: published.length > 0,
    what: `AWS publishes its signing keys at ${issuer}/.well-known/jwks.json`,
  });
  const cam = await describeOidcConfig(options.camEndpoint, options.providerId);
  checks.push({
    ok: cam.identityUrl === issuer,
    what: `CAM's provider ${options.providerId} trusts the issuer ${issuer}`,
  });
  checks.push({
    ok: cam.clientIds.includes(options.audience),
    what: `CAM's provider accepts the audience ${options.audience}`,
  });
  const missing = published.filter((kid) => !cam.keyIds.includes(kid));
  checks.push({
    ok: missing.length === 0,
    what:
      missing.length === 0
        ? "CAM's copy holds every key AWS publishes"
        : `CAM's copy lacks ${missing.join(', ')}: every exchange fails once AWS signs with it`,
  });
  return {
    checks,
    ...(missing.length > 0 && {
      mend: `tccli cam UpdateOIDCConfig --Name ${options.providerId} --IdentityUrl ${issuer} --ClientId '${JSON.stringify(cam.clientIds)}' --IdentityKey "$(curl -s ${issuer}/.well-known/jwks.json | base64 -w0)"`,
    }),
  };
}

/** IAM's GetOutboundWebIdentityFederationInfo, signed with the standard AWS credential chain. */
async function federationInfo(): Promise<{ enabled: boolean; issuer: string }> {
  const url = new URL(process.env.AWS_ENDPOINT_URL_IAM || 'https://iam.amazonaws.com/');
  const body = 'Action=GetOutboundWebIdentityFederationInfo&Version=2010-05-08';
  const answer = await sigV4Request(url, body, { service: 'iam', region: 'us-east-1' });
  const text = await answer.text();
  const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
  if (!answer.ok) throw new Error(`IAM answered ${field('Code') ?? `HTTP ${answer.status}`}`);
  const issuer = field('IssuerIdentifier');
  if (issuer === undefined)
    throw new Error('IAM gave no IssuerIdentifier: is outbound identity federation enabled?');
  return { enabled: field('JwtVendingEnabled') === 'true', issuer };
}

async function jwksOf(issuer: string): Promise<string[]> {
  const answer = await fetch(new URL('/.well-known/jwks.json', issuer));
  return answer.ok ? keyIdsOf(await answer.json()) : [];
}

/** CAM's DescribeOIDCConfig with the deployer's TENCENTCLOUD_* credentials. */
async function describeOidcConfig(endpoint: TeoEndpoint, name: string): Promise<OidcConfig> {
  const {
    TENCENTCLOUD_SECRET_ID: secretId,
    TENCENTCLOUD_SECRET_KEY: secretKey,
    TENCENTCLOUD_SESSION_TOKEN,
  } = process.env;
  if (!secretId || !secretKey)
    throw new Error('doctor reads CAM with your TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY');
  const credentials = {
    secretId,
    secretKey,
    ...(TENCENTCLOUD_SESSION_TOKEN && { sessionToken: TENCENTCLOUD_SESSION_TOKEN }),
  };
  return camClient(endpoint, credentials).describeOidcConfig(name);
}
