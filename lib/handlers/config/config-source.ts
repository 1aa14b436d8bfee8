// Where a function's configuration comes from. Deployed, the secret values (Tencent credentials, callers) live in
// the Secrets Manager secret that ROTATOR_SECRET_ID names, and the fingerprint key in the one
// ROTATOR_FINGERPRINT_SECRET_ID names, read at the first request and again after a TTL, so a rotated secret is
// picked up without a redeploy and no value sits in the Lambda's configuration. Locally, plain environment variables.

import { AwsError, type AwsJsonClient, awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import type { TeoSettings } from '#lib/adapters/teo/teo-settings.ts';
import { ConfigurationInvalid } from '#lib/domain/errors.ts';
import { parseJsonObject } from '#lib/domain/json-object.ts';
import { elementWithRepeatedField } from '#lib/domain/repeated-field.ts';
import type { Clock } from '#lib/domain/retry.ts';
import { staleCredentials } from '#lib/domain/teo-errors.ts';
import { writeLogLine } from '#lib/handlers/audit/log-line.ts';
import { invalid, type Loaded } from '#lib/handlers/config/loaded.ts';

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * A function's configuration: how it is loaded, and the secret fields it uses, which are all its secret may hold.
 * Each function reads a secret of its own (docs/contract.md §3): the rotate function's callers, sync's manager
 * tokens and the Tencent credentials are never all in one place.
 */
export interface FunctionConfig<T> {
  readonly load: (env: Environment) => Loaded<T>;
  readonly secretFields: readonly string[];
}

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
  /** Told when a re-read fails and the last good configuration is kept: by default, a WARN line. */
  readonly warn?: (message: string) => void;
}

export const fixedSource = <T>(loaded: Loaded<T>): ConfigSource<T> => ({
  current: async () => loaded,
  reread: async () => loaded,
});

/**
 * The environment alone, or the environment with the fields of the secrets it names over it: ROTATOR_SECRET_ID, the
 * function's own secret, and ROTATOR_FINGERPRINT_SECRET_ID, the deployment's fingerprint key (one plain-text secret
 * the template generates and every function reads, so that their fingerprints agree).
 */
export function configSource<T>(
  env: Environment,
  { load, secretFields }: FunctionConfig<T>,
  { client, now = Date.now, warn = (message) => writeLogLine('WARN', message) }: ConfigSourceOptions = {},
): ConfigSource<T> {
  const secretId = env.ROTATOR_SECRET_ID;
  const fingerprintSecretId = env.ROTATOR_FINGERPRINT_SECRET_ID;
  if (!secretId && !fingerprintSecretId) return fixedSource(load(env));
  const secrets = client ?? awsJsonClient('secretsmanager', { env });
  let cached: { readonly loaded: Loaded<T>; readonly at: number } | undefined;
  let reading: Promise<Loaded<T>> | undefined;
  let failed: { readonly loaded: Loaded<T>; readonly at: number } | undefined;
  // The fingerprint key is fixed for the life of a deployment: read once per instance, once read.
  let fingerprintField: Environment | undefined;

  const readFingerprint = async () => {
    if (fingerprintField !== undefined || !fingerprintSecretId) return fingerprintField ?? {};
    const read = await readable(
      'ROTATOR_FINGERPRINT_SECRET_ID',
      readFingerprintKey(secrets, fingerprintSecretId),
    );
    if (!(read instanceof Unreadable || typeof read === 'string')) fingerprintField = read;
    return read;
  };

  const read = async (): Promise<Loaded<T>> => {
    // Side by side: the second secret costs a cold start no more than the slower of the two reads.
    const [own, fingerprint] = await Promise.all([
      secretId
        ? readable('ROTATOR_SECRET_ID', readSecret(secrets, secretId, secretFields))
        : Promise.resolve({}),
      readFingerprint(),
    ]);
    // A secret that cannot be read now does not take down a configuration that was good a moment ago (whose
    // fingerprint key, read then, is kept).
    if (own instanceof Unreadable && cached?.loaded.ok) {
      warn(`${own.message}; the configuration read before stays in use`);
      return cached.loaded;
    }
    if (own instanceof Unreadable || fingerprint instanceof Unreadable) {
      const problems = [own, fingerprint].flatMap((part) =>
        part instanceof Unreadable ? [part.message] : [],
      );
      // Remembered briefly, so that requests meanwhile (junk traffic among them) are not each a Secrets Manager call.
      failed = { loaded: invalid(...problems), at: now() };
      return failed.loaded;
    }
    const loaded: Loaded<T> =
      typeof own === 'string' || typeof fingerprint === 'string'
        ? invalid(...[own, fingerprint].filter((part) => typeof part === 'string'))
        : load({ ...env, ...own, ...fingerprint });
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
    current: async () => {
      if (cached && now() - cached.at < SECRET_TTL_MS) return cached.loaded;
      if (failed && now() - failed.at < MIN_REREAD_MS) return failed.loaded;
      return readOnce();
    },
    reread: async () => (cached && now() - cached.at < MIN_REREAD_MS ? cached.loaded : readOnce()),
  };
}

/** A secret Secrets Manager would not give: what failed, by the variable naming it, never a value. */
class Unreadable extends Error {}

const readable = <R>(variable: string, reading: Promise<R>): Promise<R | Unreadable> =>
  reading.catch(
    (error: unknown) =>
      new Unreadable(`${variable}: the secret could not be read (${describe(error as Error)})`),
  );

/** The secret's fields, or what is wrong with it: never a value, nor a field name that is not one of ours. */
async function readSecret(
  client: AwsJsonClient,
  secretId: string,
  secretFields: readonly string[],
): Promise<Record<string, string> | string> {
  const rule = `ROTATOR_SECRET_ID: the secret must be a JSON object of strings, with fields among ${secretFields.join(', ')}: each function's secret holds only what that function uses`;
  const { SecretString } = await client.call('GetSecretValue', { SecretId: secretId });
  const document = parseJsonObject(SecretString);
  if (document === undefined) return rule;
  const entries = Object.entries(document);
  if (!entries.every(([name, value]) => secretFields.includes(name) && typeof value === 'string'))
    return rule;
  if (elementWithRepeatedField(String(SecretString)) !== undefined) {
    return 'ROTATOR_SECRET_ID: the secret gives a field twice: JSON would silently keep only the last';
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** The fingerprint key is the whole secret, as the template generates it; checked as ROTATOR_FINGERPRINT_KEY. */
async function readFingerprintKey(client: AwsJsonClient, secretId: string): Promise<Environment | string> {
  const { SecretString } = await client.call('GetSecretValue', { SecretId: secretId });
  return typeof SecretString === 'string'
    ? { ROTATOR_FINGERPRINT_KEY: SecretString }
    : 'ROTATOR_FINGERPRINT_SECRET_ID: the secret must hold its key as text (SecretString), as the template generates it';
}

const describe = (error: Error) =>
  error instanceof AwsError ? error.message : `${error.name}: ${error.message}`.slice(0, 200);

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
    if (!staleCredentials(error)) throw error;
    const fresh = await source.reread();
    if (!fresh.ok || sameCredentials(fresh.config.teo, config.teo)) throw error;
    return use(fresh.config);
  }
}

/** Keyless credentials are renewed where they are used (tencent-cloud-gateway.ts): a configuration has none to change. */
const sameCredentials = ({ credentials: a }: TeoSettings, { credentials: b }: TeoSettings) =>
  'oidc' in a || 'oidc' in b
    ? true
    : a.secretId === b.secretId && a.secretKey === b.secretKey && a.sessionToken === b.sessionToken;
