// Reading bound secrets' current values from their managers (docs/contract.md §8), in as few requests as each
// allows: one per Doppler config (its list endpoint, named secrets only), one per Infisical folder, one per 20
// Secrets Manager secrets (BatchGetSecretValue). A value, a token or a manager's answer body never reaches an error:
// only which manager, the secret's name, and its HTTP status or AWS error code.
import { AwsError, type AwsJsonClient, awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { type JsonAnswer, requestJson } from '#lib/adapters/managers/http-json.ts';
import { isJsonObject, parseJsonObject } from '#lib/domain/json-object.ts';
import type { Clock } from '#lib/domain/retry.ts';
import type { SecretLocation } from '#lib/domain/sync/binding.ts';
import {
  type SecretReaders,
  type SourceRead,
  SourceThrottled,
  SourceUnavailable,
} from '#lib/domain/sync/secret-source.ts';

/** The managers' credentials, from the same secret as the Tencent ones. */
export interface ManagerCredentials {
  readonly dopplerToken?: string | undefined;
  readonly infisicalClientId?: string | undefined;
  readonly infisicalClientSecret?: string | undefined;
}

/** How long one read of a manager may take. */
export const MANAGER_TIMEOUT_MS = 5000;

/** BatchGetSecretValue takes at most 20 secrets a call. */
export const SECRETS_PER_BATCH = 20;

/**
 * How long to wait on a refusal that names no time: a 429 without Retry-After, or Secrets Manager's
 * ThrottlingException (which never carries one) once the AWS client's own retries are spent.
 */
export const DEFAULT_RETRY_AFTER_MS = 1000;

type Located<K extends SecretLocation['kind']> = Extract<SecretLocation, { kind: K }>;

export function createSecretReaders(
  credentials: ManagerCredentials,
  { aws = awsJsonClient('secretsmanager'), now = Date.now }: { aws?: AwsJsonClient; now?: Clock['now'] } = {},
): SecretReaders {
  /** Infisical's access token, per site, kept until it expires (less a minute). */
  const tokens = new Map<string, { token: string; until: number }>();

  async function call(
    manager: string,
    url: URL,
    request: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
  ): Promise<JsonAnswer> {
    try {
      return await requestJson(url, { ...request, timeoutMs: MANAGER_TIMEOUT_MS });
    } catch (error) {
      throw new SourceUnavailable(`${manager} could not be reached (${(error as Error).name})`, {
        cause: error,
      });
    }
  }

  /** A 2xx answer, or why not: a 429 says how long to wait (Retry-After: seconds, or an HTTP date). */
  function ok(manager: string, answer: JsonAnswer): JsonAnswer {
    if (answer.status === 429) {
      throw new SourceThrottled(`${manager} answered HTTP 429`, retryAfterMs(answer.headers['retry-after']));
    }
    if (answer.status < 200 || answer.status >= 300)
      throw new SourceUnavailable(`${manager} answered HTTP ${answer.status}`);
    return answer;
  }

  function retryAfterMs(header = ''): number {
    const ms = /^\d+$/.test(header) ? Number(header) * 1000 : Date.parse(header) - now();
    return Number.isNaN(ms) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, ms);
  }

  /** The login in flight, per site: folders read side by side share it. */
  const logins = new Map<string, Promise<string>>();

  function infisicalToken(siteUrl: string, fresh: boolean): Promise<string> {
    const kept = tokens.get(siteUrl);
    if (!fresh && kept !== undefined && kept.until > now()) return Promise.resolve(kept.token);
    const inFlight = logins.get(siteUrl);
    if (inFlight !== undefined) return inFlight;
    const login = logIn(siteUrl).finally(() => logins.delete(siteUrl));
    logins.set(siteUrl, login);
    return login;
  }

  async function logIn(siteUrl: string): Promise<string> {
    const { infisicalClientId: clientId, infisicalClientSecret: clientSecret } = credentials;
    if (!clientId || !clientSecret)
      throw new SourceUnavailable('Infisical: no machine identity is configured');
    const login = ok(
      'Infisical',
      await call('Infisical', new URL('/api/v1/auth/universal-auth/login', siteUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ clientId, clientSecret }),
      }),
    );
    const { accessToken, expiresIn } = isJsonObject(login.json) ? login.json : {};
    if (typeof accessToken !== 'string' || typeof expiresIn !== 'number') {
      throw new SourceUnavailable('Infisical: the login answer has no accessToken');
    }
    tokens.set(siteUrl, { token: accessToken, until: now() + Math.max(0, expiresIn - 60) * 1000 });
    return accessToken;
  }

  /** Every bound secret of one Doppler config, in one request: the list endpoint, asked for those names only. */
  async function readDopplerConfig(sources: readonly Located<'doppler'>[]): Promise<SourceRead[]> {
    const [{ apiUrl, project, config }] = sources as [Located<'doppler'>];
    if (!credentials.dopplerToken) throw new SourceUnavailable('Doppler: no service token is configured');
    const url = new URL('/v3/configs/config/secrets', apiUrl);
    url.search = new URLSearchParams({
      project,
      config,
      include_dynamic_secrets: 'false',
      secrets: [...new Set(sources.map(({ name }) => name))].join(','),
    }).toString();
    const answer = ok(
      'Doppler',
      await call('Doppler', url, {
        method: 'GET',
        headers: { authorization: `Bearer ${credentials.dopplerToken}` },
      }),
    );
    const secrets = isJsonObject(answer.json) ? answer.json.secrets : undefined;
    if (!isJsonObject(secrets)) throw new SourceUnavailable('Doppler: the answer has no secrets');
    return sources.map(({ name }) => {
      const secret = secrets[name];
      const computed = isJsonObject(secret) ? secret.computed : undefined;
      return typeof computed === 'string'
        ? { value: computed }
        : new SourceUnavailable(`Doppler: the config has no secret ${name}`);
    });
  }

  /** Every bound secret of one Infisical folder, in one request (and a login when the token is missing or refused). */
  async function readInfisicalFolder(
    sources: readonly Located<'infisical'>[],
    fresh = false,
  ): Promise<SourceRead[]> {
    const [{ siteUrl, projectId, environment, secretPath }] = sources as [Located<'infisical'>];
    const url = new URL('/api/v4/secrets', siteUrl);
    url.search = new URLSearchParams({ projectId, environment, secretPath }).toString();
    const token = await infisicalToken(siteUrl, fresh);
    const answer = await call('Infisical', url, {
      method: 'GET',
      headers: { authorization: `Bearer ${token}` },
    });
    // A token revoked before its time: log in again, once.
    if (answer.status === 401 && !fresh) return readInfisicalFolder(sources, true);
    const listed = ok('Infisical', answer).json;
    const secrets = isJsonObject(listed) ? listed.secrets : undefined;
    if (!Array.isArray(secrets)) throw new SourceUnavailable('Infisical: the answer has no secrets');
    const values = new Map<unknown, unknown>(
      secrets.filter(isJsonObject).map(({ secretKey, secretValue }) => [secretKey, secretValue]),
    );
    return sources.map(({ name }) => {
      const value = values.get(name);
      return typeof value === 'string'
        ? { value }
        : new SourceUnavailable(
            `Infisical: the folder has no secret ${name} of its own (bind a secret where it lives, not a folder that imports it)`,
          );
    });
  }

  /** Secrets Manager secrets, 20 to a BatchGetSecretValue call, the calls side by side. */
  async function readAwsSecrets(sources: readonly Located<'aws-secrets-manager'>[]): Promise<SourceRead[]> {
    const arns = [...new Set(sources.map(({ secretArn }) => secretArn))];
    const batches = Array.from({ length: Math.ceil(arns.length / SECRETS_PER_BATCH) }, (_, at) =>
      arns.slice(at * SECRETS_PER_BATCH, (at + 1) * SECRETS_PER_BATCH),
    );
    const found = new Map<string, SourceRead | string>();
    await Promise.all(
      batches.map(async (SecretIdList) => {
        for (const [arn, read] of await batchGet(aws, SecretIdList)) found.set(arn, read);
      }),
    );
    return sources.map(({ secretArn, field }) => {
      const read = found.get(secretArn);
      if (typeof read !== 'string') return read as SourceRead;
      if (field === undefined) return { value: read };
      const value = parseJsonObject(read)?.[field];
      // Not a string where a key should be: reported like any invalid value, which it is.
      return { value: typeof value === 'string' ? value : '' };
    });
  }

  return {
    async readAll(sources) {
      // Sources that share a request, by what they share; each group's reads come back in its members' order.
      const groups = new Map<string, { at: number[]; members: SecretLocation[] }>();
      sources.forEach((source, at) => {
        const key = JSON.stringify(
          source.kind === 'doppler'
            ? [source.kind, source.apiUrl, source.project, source.config]
            : source.kind === 'infisical'
              ? [source.kind, source.siteUrl, source.projectId, source.environment, source.secretPath]
              : [source.kind],
        );
        const group = groups.get(key) ?? { at: [], members: [] };
        group.at.push(at);
        group.members.push(source);
        groups.set(key, group);
      });
      const reads = new Array<SourceRead>(sources.length);
      await Promise.all(
        [...groups.values()].map(async ({ at, members }) => {
          let group: SourceRead[];
          try {
            group = await readGroup(members);
          } catch (error) {
            if (!(error instanceof SourceUnavailable)) throw error;
            group = members.map(() => error);
          }
          at.forEach((index, member) => {
            reads[index] = group[member] as SourceRead;
          });
        }),
      );
      return reads;
    },
  };

  function readGroup(members: SecretLocation[]): Promise<SourceRead[]> {
    switch (members[0]?.kind) {
      case 'doppler':
        return readDopplerConfig(members as Located<'doppler'>[]);
      case 'infisical':
        return readInfisicalFolder(members as Located<'infisical'>[]);
      default:
        return readAwsSecrets(members as Located<'aws-secrets-manager'>[]);
    }
  }
}

/** One BatchGetSecretValue call: each secret's SecretString, or why Secrets Manager could not give it. */
async function batchGet(
  aws: AwsJsonClient,
  SecretIdList: readonly string[],
): Promise<[string, SourceRead | string][]> {
  let answer: Record<string, unknown>;
  try {
    answer = await aws.call('BatchGetSecretValue', { SecretIdList });
  } catch (error) {
    const why = error instanceof AwsError ? error.code : (error as Error).name;
    const message = `Secrets Manager could not give the secrets (${why})`;
    throw error instanceof AwsError && error.code === 'ThrottlingException'
      ? new SourceThrottled(message, DEFAULT_RETRY_AFTER_MS)
      : new SourceUnavailable(message, { cause: error });
  }
  const values = Array.isArray(answer.SecretValues) ? answer.SecretValues.filter(isJsonObject) : [];
  const errors = Array.isArray(answer.Errors) ? answer.Errors.filter(isJsonObject) : [];
  return SecretIdList.map((id): [string, SourceRead | string] => {
    // Bindings name secrets by ARN (lib/handlers/config/bindings.ts), and AWS answers with the ARN asked for.
    const value = values.find(({ ARN }) => ARN === id);
    if (value !== undefined) {
      return [
        id,
        typeof value.SecretString === 'string'
          ? value.SecretString
          : new SourceUnavailable('Secrets Manager: the secret has no SecretString'),
      ];
    }
    const refused = errors.find(({ SecretId }) => SecretId === id)?.ErrorCode;
    // An error code is a word; anything else in its place is not repeated.
    const code =
      typeof refused === 'string' && /^[A-Za-z]{1,64}$/.test(refused) ? refused : 'not in the answer';
    return [id, new SourceUnavailable(`Secrets Manager could not give the secret (${code})`)];
  });
}
