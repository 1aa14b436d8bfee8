// Where a function's configuration comes from. Deployed, the secret values (Tencent credentials, callers) live in
// the Secrets Manager secret that ROTATOR_SECRET_ID names, read at the first request and again after a TTL, so a
// rotated secret is picked up without a redeploy and no value sits in the Lambda's configuration. Locally, plain
// environment variables.

import { AwsError, type AwsJsonClient, awsJsonClient } from '#lib/aws/aws-json-client.ts';
import { invalid, type Loaded } from '#lib/config/loaded.ts';
import { elementWithRepeatedField } from '#lib/config/repeated-field.ts';
import type { TeoSettings } from '#lib/config/teo-access.ts';
import { ConfigurationInvalid } from '#lib/domain/errors.ts';
import type { Clock } from '#lib/outbound/retry.ts';
import { TeoRefused } from '#lib/teo/errors.ts';
import { parseJsonObject } from '#lib/validation/json-object.ts';

type Environment = Readonly<Record<string, string | undefined>>;

/** The fields the secret may hold: everything secret, and nothing else. */
export const SECRET_FIELDS = [
  'TENCENTCLOUD_SECRET_ID',
  'TENCENTCLOUD_SECRET_KEY',
  'TENCENTCLOUD_SESSION_TOKEN',
  'ROTATOR_CLIENTS',
  // The secrets managers' credentials, for sync (docs/contract.md §8).
  'DOPPLER_TOKEN',
  'DOPPLER_WEBHOOK_SECRET',
  'INFISICAL_CLIENT_ID',
  'INFISICAL_CLIENT_SECRET',
  'INFISICAL_WEBHOOK_SECRET',
] as const;

/** How long a read of the secret is used before it is read again. */
const SECRET_TTL_MS = 5 * 60 * 1000;
/** However often TEO refuses the credentials, the secret is read again at most this often. */
const MIN_REREAD_MS = 10 * 1000;

export interface ConfigSource<T> {
  /** The configuration to serve a request with. */
  current(): Promise<Loaded<T>>;
  /** The configuration read again now (unless it was read moments ago): TEO refused the credentials in use. */
  reread(): Promise<Loaded<T>>;
}

export interface ConfigSourceOptions {
  readonly client?: AwsJsonClient;
  readonly now?: Clock['now'];
  /** Told when a re-read fails and the last good configuration is kept. */
  readonly warn?: (message: string) => void;
}

export const fixedSource = <T>(loaded: Loaded<T>): ConfigSource<T> => ({
  current: async () => loaded,
  reread: async () => loaded,
});

/** The environment alone, or with ROTATOR_SECRET_ID set, the environment and that secret's fields over it. */
export function configSource<T>(
  env: Environment,
  load: (env: Environment) => Loaded<T>,
  { client, now = Date.now, warn = () => undefined }: ConfigSourceOptions = {},
): ConfigSource<T> {
  const secretId = env.ROTATOR_SECRET_ID;
  if (!secretId) return fixedSource(load(env));
  const secrets = client ?? awsJsonClient('secretsmanager', { env });
  let cached: { readonly loaded: Loaded<T>; readonly at: number } | undefined;
  let reading: Promise<Loaded<T>> | undefined;

  const read = async (): Promise<Loaded<T>> => {
    const fields = await readSecret(secrets, secretId).catch((error: unknown) => error as Error);
    if (fields instanceof Error) {
      const problem = `ROTATOR_SECRET_ID: the secret could not be read (${describe(fields)})`;
      // A secret that cannot be read now does not take down a configuration that was good a moment ago.
      if (cached?.loaded.ok) {
        warn(`${problem}; the configuration read before stays in use`);
        return cached.loaded;
      }
      return invalid(problem);
    }
    const loaded: Loaded<T> = typeof fields === 'string' ? invalid(fields) : load({ ...env, ...fields });
    cached = { loaded, at: now() };
    return loaded;
  };
  const readOnce = () => {
    reading ??= read().finally(() => {
      reading = undefined;
    });
    return reading;
  };
  return {
    current: async () => (cached && now() - cached.at < SECRET_TTL_MS ? cached.loaded : readOnce()),
    reread: async () => (cached && now() - cached.at < MIN_REREAD_MS ? cached.loaded : readOnce()),
  };
}

const SECRET_RULE = `ROTATOR_SECRET_ID: the secret must be a JSON object of strings, with fields among ${SECRET_FIELDS.join(', ')}`;

/** The secret's fields, or what is wrong with it: never a value, nor a field name that is not one of ours. */
async function readSecret(client: AwsJsonClient, secretId: string): Promise<Record<string, string> | string> {
  const { SecretString } = await client.call('GetSecretValue', { SecretId: secretId });
  const document = parseJsonObject(SecretString);
  if (document === undefined) return SECRET_RULE;
  const entries = Object.entries(document);
  const known = (name: string) => (SECRET_FIELDS as readonly string[]).includes(name);
  if (!entries.every(([name, value]) => known(name) && typeof value === 'string')) return SECRET_RULE;
  if (elementWithRepeatedField(String(SecretString)) !== undefined) {
    return 'ROTATOR_SECRET_ID: the secret gives a field twice: JSON would silently keep only the last';
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

const describe = (error: Error) =>
  error instanceof AwsError ? error.message : `${error.name}: ${error.message}`.slice(0, 200);

/** TEO's answers to credentials that were rotated away: the secret is read again at once. */
const STALE_CREDENTIALS = new Set(['AuthFailure.SecretIdNotFound', 'AuthFailure.SignatureFailure']);

/** The configuration in force, or ConfigurationInvalid with its problems (docs/contract.md §3). */
export async function currentConfig<T>(source: ConfigSource<T>): Promise<T> {
  const loaded = await source.current();
  if (!loaded.ok) throw new ConfigurationInvalid(loaded.problems);
  return loaded.config;
}

/**
 * Runs `use` with `config`; when TEO refuses its credentials as stale, reads the configuration again and, if the
 * credentials changed, runs `use` once more with the new configuration. Repeating a refused call is harmless: TEO
 * changed nothing.
 */
export async function withFreshCredentials<T extends { readonly teo: TeoSettings }, R>(
  source: ConfigSource<T>,
  config: T,
  use: (config: T) => Promise<R>,
): Promise<R> {
  try {
    return await use(config);
  } catch (error) {
    if (!(error instanceof TeoRefused && STALE_CREDENTIALS.has(error.code))) throw error;
    const fresh = await source.reread();
    if (!fresh.ok || sameCredentials(fresh.config.teo, config.teo)) throw error;
    return use(fresh.config);
  }
}

const sameCredentials = (a: TeoSettings, b: TeoSettings) =>
  a.credentials.secretId === b.credentials.secretId &&
  a.credentials.secretKey === b.credentials.secretKey &&
  a.credentials.sessionToken === b.credentials.sessionToken;
