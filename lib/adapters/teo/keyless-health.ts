// docs/contract.md §3, keyless: what breaks it in production is AWS signing with a key CAM holds no copy of (CAM
// keeps the JWKS uploaded to it; it does not fetch AWS's). So the check does what a cold start does, step by step,
// and says which step failed: a token from AWS STS, its exchange at Tencent's STS, a Describe of one zone with the
// credentials; and it compares the key ids CAM holds (DescribeOIDCConfig, when the role may read it) with the
// token's and with those AWS publishes, so that a key AWS has published but not yet used is reported before it
// breaks anything. Used by the scheduled run and by `rotator doctor`. Never a token or a credential in what it says.
import type { AwsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { mintWebIdentityToken } from '#lib/adapters/aws/web-identity-token.ts';
import { withAttemptTimeout } from '#lib/adapters/http/attempt-timeout.ts';
import { sendRequest } from '#lib/adapters/http/send-request.ts';
import { camClient, camEndpointBeside, keyIdsOf } from '#lib/adapters/teo/cam.ts';
import type { TeoEndpoint } from '#lib/adapters/teo/endpoint.ts';
import { exchangeWebIdentityToken, type TemporaryCredentials } from '#lib/adapters/teo/sts-exchange.ts';
import { createTencentCloudGateway } from '#lib/adapters/teo/tencent-cloud-gateway.ts';
import type { OidcSettings } from '#lib/adapters/teo/teo-settings.ts';
import { parseJsonObject } from '#lib/domain/json-object.ts';
import type { Clock } from '#lib/domain/retry.ts';

export type KeylessStep = 'token' | 'exchange' | 'describe';

export interface KeylessHealth {
  readonly healthy: boolean;
  /** The step that failed, and what it said (a service and its error code). */
  readonly failed?: { readonly step: KeylessStep; readonly reason: string };
  /** The `kid` AWS signed the token with. */
  readonly tokenKid?: string | undefined;
  /**
   * Key ids AWS publishes (RSA) that CAM's copy lacks: upload the JWKS again (UpdateOIDCConfig). Absent when CAM
   * could not be read (the role may not). The token's own key is in the copy whenever the exchange succeeds.
   */
  readonly missingFromCam?: readonly string[];
}

const CHECK_TIMEOUT_MS = 5000;

export interface KeylessCheck {
  readonly oidc: OidcSettings;
  readonly teo: { readonly endpoint: TeoEndpoint; readonly timeoutMs: number };
  /** The zone to Describe; none, the check ends at the exchange. */
  readonly zoneId: string | undefined;
  readonly sts: AwsJsonClient;
  readonly clock: Pick<Clock, 'now'>;
}

export async function checkKeyless({ oidc, teo, zoneId, sts, clock }: KeylessCheck): Promise<KeylessHealth> {
  let token: string;
  try {
    token = await mintWebIdentityToken(sts, oidc.audience);
  } catch (error) {
    return { healthy: false, failed: { step: 'token', reason: (error as Error).message } };
  }
  const tokenKid = kidOf(token);
  const published = await publishedKids(issuerOf(token));
  let credentials: TemporaryCredentials;
  try {
    credentials = await exchangeWebIdentityToken(oidc, token, {
      sessionName: 'teo-key-rotator-health',
      clock,
    });
  } catch (error) {
    return { healthy: false, failed: { step: 'exchange', reason: (error as Error).message }, tokenKid };
  }
  const camKids = await camKeyIds(oidc, credentials);
  const copy = {
    tokenKid,
    ...(camKids && { missingFromCam: published.filter((kid) => !camKids.includes(kid)) }),
  };
  if (zoneId !== undefined) {
    const gateway = createTencentCloudGateway({ ...teo, credentials }, clock);
    try {
      await gateway.describeSecretKey(zoneId, clock.now() + teo.timeoutMs);
    } catch (error) {
      return { healthy: false, failed: { step: 'describe', reason: (error as Error).message }, ...copy };
    }
  }
  // A key AWS publishes that CAM lacks breaks every exchange once AWS signs with it: reported now, as unhealthy.
  return { healthy: (copy.missingFromCam?.length ?? 0) === 0, ...copy };
}

/** A JWT's header or claims, unverified: only to name the key and the issuer. */
const jwtPart = (token: string, at: number) =>
  parseJsonObject(Buffer.from(token.split('.')[at] ?? '', 'base64url').toString('utf8')) ?? {};
const kidOf = (token: string) => {
  const { kid } = jwtPart(token, 0);
  return typeof kid === 'string' ? kid : undefined;
};
const issuerOf = (token: string) => {
  const { iss } = jwtPart(token, 1);
  return typeof iss === 'string' ? iss : undefined;
};

/** The RSA key ids the issuer publishes (its JWKS), or none when it cannot be read. */
export async function publishedKids(issuer: string | undefined): Promise<string[]> {
  if (issuer === undefined) return [];
  try {
    const { body } = await withAttemptTimeout(CHECK_TIMEOUT_MS, (signal) =>
      sendRequest(new URL('/.well-known/jwks.json', issuer), { method: 'GET', headers: {}, signal }),
    );
    return keyIdsOf(parseJsonObject(body));
  } catch {
    return [];
  }
}

/** The key ids of CAM's JWKS copy (DescribeOIDCConfig), or undefined when the role may not read it. */
async function camKeyIds(
  oidc: OidcSettings,
  credentials: TemporaryCredentials,
): Promise<string[] | undefined> {
  try {
    const { keyIds } = await camClient(camEndpointBeside(oidc.stsEndpoint), credentials).describeOidcConfig(
      oidc.providerId,
    );
    return [...keyIds];
  } catch {
    return undefined;
  }
}
