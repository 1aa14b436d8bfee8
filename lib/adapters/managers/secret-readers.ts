// Reading a bound secret's current value from its manager (docs/contract.md §8). A value, a token or a manager's
// answer body never reaches an error: only which manager, and its HTTP status or AWS error code.
import { AwsError, type AwsJsonClient, awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { type JsonAnswer, requestJson } from '#lib/adapters/managers/http-json.ts';
import { isJsonObject, parseJsonObject } from '#lib/domain/json-object.ts';
import type { Clock } from '#lib/domain/retry.ts';
import type { SecretLocation } from '#lib/domain/sync/binding.ts';
import { type SecretReaders, type SecretValue, SourceUnavailable } from '#lib/domain/sync/secret-source.ts';

/** The managers' credentials, from the same secret as the Tencent ones. */
export interface ManagerCredentials {
  readonly dopplerToken?: string | undefined;
  readonly infisicalClientId?: string | undefined;
  readonly infisicalClientSecret?: string | undefined;
}

/** How long one read of a manager may take. */
export const MANAGER_TIMEOUT_MS = 5000;

export function createSecretReaders(
  credentials: ManagerCredentials,
  { aws = awsJsonClient('secretsmanager'), now = Date.now }: { aws?: AwsJsonClient; now?: Clock['now'] } = {},
): SecretReaders {
  /** Infisical's access token, per site, kept until it expires (less a minute). */
  const tokens = new Map<string, { token: string; until: number }>();

  async function infisicalToken(siteUrl: string, fresh: boolean): Promise<string> {
    const kept = tokens.get(siteUrl);
    if (!fresh && kept !== undefined && kept.until > now()) return kept.token;
    const { infisicalClientId: clientId, infisicalClientSecret: clientSecret } = credentials;
    if (!clientId || !clientSecret)
      throw new SourceUnavailable('Infisical: no machine identity is configured');
    const login = await call('Infisical', new URL('/api/v1/auth/universal-auth/login', siteUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId, clientSecret }),
    });
    const { accessToken, expiresIn } = isJsonObject(login.json) ? login.json : {};
    if (typeof accessToken !== 'string' || typeof expiresIn !== 'number') {
      throw new SourceUnavailable('Infisical: the login answer has no accessToken');
    }
    tokens.set(siteUrl, { token: accessToken, until: now() + Math.max(0, expiresIn - 60) * 1000 });
    return accessToken;
  }

  async function readInfisical(
    source: Extract<SecretLocation, { kind: 'infisical' }>,
    fresh = false,
  ): Promise<SecretValue> {
    const url = new URL(`/api/v4/secrets/${encodeURIComponent(source.name)}`, source.siteUrl);
    url.search = new URLSearchParams({
      projectId: source.projectId,
      environment: source.environment,
      secretPath: source.secretPath,
    }).toString();
    const token = await infisicalToken(source.siteUrl, fresh);
    const answer = await requestJson(url, {
      method: 'GET',
      headers: { authorization: `Bearer ${token}` },
      timeoutMs: MANAGER_TIMEOUT_MS,
    });
    // A token revoked before its time: log in again, once.
    if (answer.status === 401 && !fresh) return readInfisical(source, true);
    ok('Infisical', answer);
    const secret = isJsonObject(answer.json) && isJsonObject(answer.json.secret) ? answer.json.secret : {};
    if (typeof secret.secretValue !== 'string')
      throw new SourceUnavailable('Infisical: the answer has no secretValue');
    return { value: secret.secretValue };
  }

  return {
    async read(source) {
      switch (source.kind) {
        case 'aws-secrets-manager':
          return readAws(aws, source);
        case 'doppler': {
          const url = new URL('/v3/configs/config/secret', source.apiUrl);
          url.search = new URLSearchParams({
            project: source.project,
            config: source.config,
            name: source.name,
          }).toString();
          if (!credentials.dopplerToken)
            throw new SourceUnavailable('Doppler: no service token is configured');
          const answer = await call('Doppler', url, {
            method: 'GET',
            headers: { authorization: `Bearer ${credentials.dopplerToken}` },
          });
          const value =
            isJsonObject(answer.json) && isJsonObject(answer.json.value)
              ? answer.json.value.computed
              : undefined;
          if (typeof value !== 'string')
            throw new SourceUnavailable('Doppler: the answer has no value.computed');
          return { value };
        }
        case 'infisical':
          return readInfisical(source);
      }
    },
  };
}

async function call(
  manager: string,
  url: URL,
  request: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
) {
  let answer: JsonAnswer;
  try {
    answer = await requestJson(url, { ...request, timeoutMs: MANAGER_TIMEOUT_MS });
  } catch (error) {
    throw new SourceUnavailable(`${manager} could not be reached (${(error as Error).name})`, {
      cause: error,
    });
  }
  return ok(manager, answer);
}

function ok(manager: string, answer: JsonAnswer) {
  if (answer.status < 200 || answer.status >= 300)
    throw new SourceUnavailable(`${manager} answered HTTP ${answer.status}`);
  return answer;
}

async function readAws(
  aws: AwsJsonClient,
  source: Extract<SecretLocation, { kind: 'aws-secrets-manager' }>,
): Promise<SecretValue> {
  let answer: Record<string, unknown>;
  try {
    answer = await aws.call('GetSecretValue', { SecretId: source.secretArn });
  } catch (error) {
    const why = error instanceof AwsError ? error.code : (error as Error).name;
    throw new SourceUnavailable(`Secrets Manager could not give the secret (${why})`, { cause: error });
  }
  const { SecretString } = answer;
  if (typeof SecretString !== 'string')
    throw new SourceUnavailable('Secrets Manager: the secret has no SecretString');
  if (source.field === undefined) return { value: SecretString };
  const value = parseJsonObject(SecretString)?.[source.field];
  // Not a string where a key should be: reported like any invalid value, which it is.
  return { value: typeof value === 'string' ? value : '' };
}
