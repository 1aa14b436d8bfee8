// docs/contract.md §3, keyless: the temporary credentials TEO's calls are signed with, kept until a margin before
// they end. One refresh at a time (calls that need credentials meanwhile share it); a failure is never kept (the
// next call tries again); TEO refusing them as expired or unknown renews them once (lib/adapters/teo/
// tencent-cloud-gateway.ts). Not the SDK's OIDCRoleArnCredential: it takes a fixed token, keeps a failed exchange
// for the life of the process and renews 0.6 s before expiry.
import { type AwsJsonClient, awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { mintWebIdentityToken } from '#lib/adapters/aws/web-identity-token.ts';
import { exchangeWebIdentityToken, type TemporaryCredentials } from '#lib/adapters/teo/sts-exchange.ts';
import type { OidcSettings } from '#lib/adapters/teo/teo-settings.ts';
import type { Clock } from '#lib/domain/retry.ts';

/** Renewed this long before Tencent's ExpiredTime: no call is signed with credentials about to end. */
export const RENEW_BEFORE_MS = 5 * 60_000;

export interface KeylessCredentials {
  /** Credentials good for at least RENEW_BEFORE_MS more, got anew when the kept ones are not. */
  current(): Promise<TemporaryCredentials>;
  /** New credentials, whatever is kept: TEO refused the kept ones. */
  renew(): Promise<TemporaryCredentials>;
}

export interface KeylessOptions {
  readonly clock: Pick<Clock, 'now'>;
  /** AWS STS, as the function's role: its Region's endpoint. */
  readonly sts?: AwsJsonClient;
  /** Names the session in Tencent's audit trail (CloudAudit): the function. */
  readonly sessionName?: string;
}

export function keylessCredentials(
  oidc: OidcSettings,
  {
    clock,
    sts = awsJsonClient('sts'),
    sessionName = sessionNameOf(process.env.AWS_LAMBDA_FUNCTION_NAME),
  }: KeylessOptions,
): KeylessCredentials {
  let kept: TemporaryCredentials | undefined;
  let refreshing: Promise<TemporaryCredentials> | undefined;

  const refresh = () => {
    refreshing ??= (async () => {
      const token = await mintWebIdentityToken(sts, oidc.audience);
      kept = await exchangeWebIdentityToken(oidc, token, { sessionName, clock });
      return kept;
    })().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };

  return {
    current: async () =>
      kept !== undefined && clock.now() < kept.expiresAt - RENEW_BEFORE_MS ? kept : refresh(),
    renew() {
      kept = undefined;
      return refresh();
    },
  };
}

/** Tencent's rule for a session name: 2 to 128 of letters, digits and `_+=,.@-`. */
export const sessionNameOf = (functionName: string | undefined) =>
  (functionName ?? 'teo-key-rotator')
    .replace(/[^\w+=,.@-]/g, '-')
    .slice(0, 128)
    .padEnd(2, '-');
