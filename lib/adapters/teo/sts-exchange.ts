// docs/contract.md §3, keyless: a web identity token exchanged at Tencent's STS (AssumeRoleWithWebIdentity,
// 2018-08-13) for a CAM role's temporary credentials. The call is unsigned, as Tencent documents it for signature v3
// (`Authorization: SKIP`, no X-TC-Token). Neither the token nor the credentials reach an error or a log: only
// Tencent's error code.
import { withAttemptTimeout } from '#lib/adapters/http/attempt-timeout.ts';
import { sendRequest } from '#lib/adapters/http/send-request.ts';
import type { OidcSettings, TencentCredentials } from '#lib/adapters/teo/teo-settings.ts';
import { isJsonObject, parseJsonObject } from '#lib/domain/json-object.ts';
import type { Clock } from '#lib/domain/retry.ts';
import { CredentialsUnavailable } from '#lib/domain/teo-errors.ts';

/** Temporary credentials and when Tencent says they end. */
export interface TemporaryCredentials extends TencentCredentials {
  readonly sessionToken: string;
  /** Epoch ms (Tencent's ExpiredTime). */
  readonly expiresAt: number;
}

/** How long the credentials are asked to last: an hour, renewed well before (lib/adapters/teo/keyless-credentials.ts). */
export const TEMPORARY_CREDENTIALS_SECONDS = 3600;
const EXCHANGE_TIMEOUT_MS = 5000;

export async function exchangeWebIdentityToken(
  oidc: OidcSettings,
  token: string,
  { sessionName, clock }: { sessionName: string; clock: Pick<Clock, 'now'> },
): Promise<TemporaryCredentials> {
  const body = JSON.stringify({
    ProviderId: oidc.providerId,
    WebIdentityToken: token,
    RoleArn: oidc.roleArn,
    RoleSessionName: sessionName,
    DurationSeconds: TEMPORARY_CREDENTIALS_SECONDS,
  });
  let text: string;
  try {
    ({ body: text } = await withAttemptTimeout(EXCHANGE_TIMEOUT_MS, (signal) =>
      sendRequest(oidc.stsEndpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          authorization: 'SKIP',
          'x-tc-action': 'AssumeRoleWithWebIdentity',
          'x-tc-version': '2018-08-13',
          'x-tc-region': oidc.stsRegion,
          'x-tc-timestamp': String(Math.floor(clock.now() / 1000)),
        },
        body,
        signal,
      }),
    ));
  } catch (error) {
    throw new CredentialsUnavailable(`Tencent STS could not be reached (${(error as Error).name})`, {
      cause: error,
    });
  }
  const response = parseJsonObject(text)?.Response;
  const answer = isJsonObject(response) ? response : {};
  if (isJsonObject(answer.Error)) {
    const { Code } = answer.Error;
    // A code is dotted words; anything else in its place is not repeated.
    const code =
      typeof Code === 'string' && /^[A-Za-z][\w.]{0,127}$/.test(Code) ? Code : 'an error without a code';
    throw new CredentialsUnavailable(`Tencent STS refused the exchange (${code})`);
  }
  const credentials = isJsonObject(answer.Credentials) ? answer.Credentials : {};
  const { TmpSecretId, TmpSecretKey, Token } = credentials;
  const { ExpiredTime } = answer;
  if (
    typeof TmpSecretId !== 'string' ||
    typeof TmpSecretKey !== 'string' ||
    typeof Token !== 'string' ||
    typeof ExpiredTime !== 'number'
  ) {
    throw new CredentialsUnavailable('Tencent STS answered without credentials and their ExpiredTime');
  }
  return {
    secretId: TmpSecretId,
    secretKey: TmpSecretKey,
    sessionToken: Token,
    expiresAt: ExpiredTime * 1000,
  };
}
