// docs/contract.md §3, keyless: the function role's own web identity token from AWS STS (IAM outbound identity
// federation, GetWebIdentityToken), RS256, for the one audience Tencent's CAM accepts, as short-lived as AWS allows:
// it is exchanged at once. The token is a credential: it is returned, never logged or put in an error.
import { AwsError, type AwsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { CredentialsUnavailable } from '#lib/domain/teo-errors.ts';

/** AWS's shortest lifetime: the token lives only until Tencent's STS has taken it. */
export const WEB_IDENTITY_TOKEN_SECONDS = 60;

export async function mintWebIdentityToken(sts: AwsJsonClient, audience: string): Promise<string> {
  let answer: Record<string, unknown>;
  try {
    answer = await sts.call('GetWebIdentityToken', {
      Audience: [audience],
      SigningAlgorithm: 'RS256',
      DurationSeconds: WEB_IDENTITY_TOKEN_SECONDS,
    });
  } catch (error) {
    const why = error instanceof AwsError ? error.code : (error as Error).name;
    throw new CredentialsUnavailable(`AWS STS gave no web identity token (${why})`, { cause: error });
  }
  const { WebIdentityToken } = answer;
  if (typeof WebIdentityToken !== 'string' || WebIdentityToken === '') {
    throw new CredentialsUnavailable('AWS STS answered without a WebIdentityToken');
  }
  return WebIdentityToken;
}
