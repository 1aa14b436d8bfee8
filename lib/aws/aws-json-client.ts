// The light AWS client every run-time AWS call goes through: DynamoDB, Secrets Manager and EventBridge all speak
// AWS's JSON protocol (a POST with X-Amz-Target), so one small @aws-lite/client call serves the three. From a fresh
// process to a first DynamoDB write on dynalite (BENCHMARKS.md): AWS SDK 211 ms, aws4fetch 116 ms, @aws-lite 64 ms.
import type awsLite from '@aws-lite/client';

/** The services the functions call, with their JSON protocol details and their standard endpoint variable. */
const SERVICES = {
  dynamodb: { target: 'DynamoDB_20120810', version: '1.0', endpointVariable: 'AWS_ENDPOINT_URL_DYNAMODB' },
  secretsmanager: {
    target: 'secretsmanager',
    version: '1.1',
    endpointVariable: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  },
  events: { target: 'AWSEvents', version: '1.1', endpointVariable: 'AWS_ENDPOINT_URL_EVENTBRIDGE' },
} as const;

export type AwsService = keyof typeof SERVICES;

/** An error AWS answered with: its code without the namespace (`ConditionalCheckFailedException`), and status. */
export class AwsError extends Error {
  override name = 'AwsError';
  readonly code: string;
  readonly status: number | undefined;
  constructor(code: string, status: number | undefined, options?: ErrorOptions) {
    super(`AWS answered ${code}${status === undefined ? '' : ` (HTTP ${status})`}`, options);
    this.code = code;
    this.status = status;
  }
}

export interface AwsJsonClient {
  /** One operation (`PutItem`); resolves to AWS's JSON answer, rejects with AwsError or the network's error. */
  call(operation: string, input: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>>;
}

type Environment = Readonly<Record<string, string | undefined>>;

export interface AwsJsonClientOptions {
  /** Where credentials, region and endpoints come from: the Lambda's own environment unless told otherwise. */
  readonly env?: Environment;
}

/**
 * A client for one service. As the AWS SDKs do, it honours `AWS_ENDPOINT_URL_<SERVICE>` and then
 * `AWS_ENDPOINT_URL`, so local runs, tests and any AWS-compatible stand-in need no setting of the project's own.
 */
export function awsJsonClient(
  service: AwsService,
  { env = process.env }: AwsJsonClientOptions = {},
): AwsJsonClient {
  const { target, version, endpointVariable } = SERVICES[service];
  const endpoint = env[endpointVariable] || env.AWS_ENDPOINT_URL || undefined;
  // Loaded and made at the first call: its import costs about 10 ms, which a function that never calls AWS (no
  // ROTATOR_TABLE, no secret) never pays. Bundled all the same: the import stays within the one file.
  let client: ReturnType<typeof awsLite> | undefined;
  const connect = async () => {
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
    // Lambda puts the function role's credentials here; nothing else is looked for (profiles, SSO, metadata).
    if (!accessKeyId || !secretAccessKey) {
      throw new Error('No AWS credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).');
    }
    const { default: createClient } = await import('@aws-lite/client');
    return createClient({
      region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
      accessKeyId,
      secretAccessKey,
      ...(env.AWS_SESSION_TOKEN && { sessionToken: env.AWS_SESSION_TOKEN }),
      ...(endpoint && { endpoint }),
      autoloadPlugins: false,
      // The SDK's standard mode makes 3 attempts; a rotation's deadline has no room for aws-lite's default 6.
      retries: 2,
    });
  };
  return {
    async call(operation, input) {
      // A failed start (no credentials found, say) is tried again at the next call rather than kept.
      client ??= connect().catch((error: unknown) => {
        client = undefined;
        throw error;
      });
      try {
        const { payload } = await (await client)({
          service,
          method: 'POST',
          path: '/',
          headers: {
            'X-Amz-Target': `${target}.${operation}`,
            'Content-Type': `application/x-amz-json-${version}`,
          },
          payload: input,
          // The payload is already in the service's own JSON shape: no marshalling either way.
          awsjson: false,
        });
        return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
      } catch (error) {
        throw asAwsError(error);
      }
    },
  };
}

/** AWS's `__type` is `namespace#Code`; an error without a status never reached AWS and is passed on as it is. */
function asAwsError(error: unknown): unknown {
  const { code, statusCode } = (typeof error === 'object' && error !== null ? error : {}) as Record<
    string,
    unknown
  >;
  if (typeof code !== 'string' || typeof statusCode !== 'number') return error;
  return new AwsError(code.slice(code.lastIndexOf('#') + 1), statusCode, { cause: error });
}
