// The light AWS client every run-time AWS call goes through: DynamoDB, Secrets Manager and EventBridge all speak
// AWS's JSON protocol (a POST with X-Amz-Target), so one signed POST serves the three; STS speaks the Query protocol
// (a form-encoded POST, answered in XML), the same signed POST with another body. From a fresh process to a first
// DynamoDB write on dynalite (BENCHMARKS.md): AWS SDK 211 ms, aws4fetch 116 ms, @aws-lite 64 ms, this 37 ms.
import { signPost } from '#lib/adapters/aws/sigv4.ts';
import { withAttemptTimeout } from '#lib/adapters/http/attempt-timeout.ts';
import { type RawAnswer, sendRequest } from '#lib/adapters/http/send-request.ts';
import { ConfigurationInvalid } from '#lib/domain/errors.ts';
import { parseJsonObject } from '#lib/domain/json-object.ts';
import { backoffMs, type Clock, type RetryPolicy, systemClock } from '#lib/domain/retry.ts';

/** The services the functions call, with their protocol's details and their standard endpoint variable. */
const SERVICES = {
  dynamodb: { target: 'DynamoDB_20120810', version: '1.0', endpointVariable: 'AWS_ENDPOINT_URL_DYNAMODB' },
  secretsmanager: {
    target: 'secretsmanager',
    version: '1.1',
    endpointVariable: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  },
  events: { target: 'AWSEvents', version: '1.1', endpointVariable: 'AWS_ENDPOINT_URL_EVENTBRIDGE' },
  // Query protocol. GetWebIdentityToken is not served by the global endpoint: always the Region's.
  sts: { target: undefined, version: '2011-06-15', endpointVariable: 'AWS_ENDPOINT_URL_STS' },
} as const;

export type AwsService = keyof typeof SERVICES;

/** An error AWS answered with: its code without the namespace (`ConditionalCheckFailedException`), and status. */
export class AwsError extends Error {
  override name = 'AwsError';
  readonly code: string;
  readonly status: number;
  constructor(code: string, status: number, options?: ErrorOptions) {
    super(`AWS answered ${code} (HTTP ${status})`, options);
    this.code = code;
    this.status = status;
  }
}

export interface AwsJsonClient {
  /**
   * One operation (`PutItem`); resolves to AWS's JSON answer (for STS, its result's fields as strings), rejects with
   * AwsError or the network's error.
   */
  call(operation: string, input: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>>;
}

type Environment = Readonly<Record<string, string | undefined>>;

export interface AwsJsonClientOptions {
  /** Where credentials, region and endpoints come from: the Lambda's own environment unless told otherwise. */
  readonly env?: Environment;
  /** Dates signatures, and paces retries. */
  readonly clock?: Clock;
}

/** As the AWS SDKs' standard retry mode: three attempts in all, from a 100 ms base. */
export const AWS_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 20_000 };
/** One attempt's limit: DynamoDB, Secrets Manager and EventBridge answer in tens of milliseconds. */
export const ATTEMPT_TIMEOUT_MS = 3000;

/** Codes AWS answers when asked to slow down: worth another attempt, as the SDKs make. */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'LimitExceededException',
  'RequestThrottledException',
]);

/** The service's regional endpoint, unless a standard endpoint variable names another. */
export function serviceEndpoint(service: AwsService, env: Environment): { url: URL; region: string } {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  const named = env[SERVICES[service].endpointVariable] || env.AWS_ENDPOINT_URL;
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return { url: new URL(named || `https://${service}.${region}.${domain}`), region };
}

/**
 * A client for one service. As the AWS SDKs do, it honours `AWS_ENDPOINT_URL_<SERVICE>` and then
 * `AWS_ENDPOINT_URL`, so local runs, tests and any AWS-compatible stand-in need no setting of the project's own.
 */
export function awsJsonClient(
  service: AwsService,
  { env = process.env, clock = systemClock }: AwsJsonClientOptions = {},
): AwsJsonClient {
  const { target, version } = SERVICES[service];
  const { url, region } = serviceEndpoint(service, env);
  const request = (operation: string, input: Readonly<Record<string, unknown>>) =>
    target === undefined
      ? {
          headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
          body: queryOf(operation, version, input),
        }
      : {
          headers: {
            'content-type': `application/x-amz-json-${version}`,
            'x-amz-target': `${target}.${operation}`,
          },
          body: JSON.stringify(input),
        };

  const credentials = () => {
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
    // Lambda puts the function role's credentials here; nothing else is looked for (profiles, SSO, metadata).
    if (!accessKeyId || !secretAccessKey) {
      throw new ConfigurationInvalid([
        'No AWS credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).',
      ]);
    }
    return {
      accessKeyId,
      secretAccessKey,
      ...(env.AWS_SESSION_TOKEN && { sessionToken: env.AWS_SESSION_TOKEN }),
    };
  };

  return {
    async call(operation, input) {
      const signing = { url, ...request(operation, input), region, service, credentials: credentials() };
      for (let attempt = 1; ; attempt++) {
        let answer: RawAnswer | undefined;
        let failure: unknown;
        try {
          answer = await withAttemptTimeout(ATTEMPT_TIMEOUT_MS, (signal) =>
            sendRequest(url, {
              method: 'POST',
              headers: signPost({ ...signing, now: clock.now() }),
              body: signing.body,
              signal,
            }),
          );
        } catch (error) {
          // The network failed or the attempt timed out: the SDKs try again, and so does this.
          failure = error;
        }
        if (answer?.status === 200)
          return target === undefined ? queryResult(operation, answer.body) : parsed(answer.body);
        if (answer !== undefined) {
          const refused = awsError(answer);
          if (!retryable(refused)) throw refused;
          failure = refused;
        }
        if (attempt >= AWS_RETRY.maxAttempts) throw failure;
        await clock.sleep(backoffMs(AWS_RETRY, attempt, clock.random()));
      }
    },
  };
}

function parsed(text: string): Record<string, unknown> {
  const document: unknown = text === '' ? {} : JSON.parse(text);
  return typeof document === 'object' && document !== null ? (document as Record<string, unknown>) : {};
}

/** A Query request's body: the action, the version, each field; a list's members numbered from 1. */
function queryOf(operation: string, version: string, input: Readonly<Record<string, unknown>>): string {
  const fields = Object.entries(input).flatMap(([name, value]): [string, string][] =>
    Array.isArray(value)
      ? value.map((member, at) => [`${name}.member.${at + 1}`, String(member)])
      : [[name, String(value)]],
  );
  return new URLSearchParams([['Action', operation], ['Version', version], ...fields]).toString();
}

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** A Query answer's result (`<GetWebIdentityTokenResult>`): each of its leaf elements, as text. */
function queryResult(operation: string, xml: string): Record<string, unknown> {
  const result = new RegExp(`<${operation}Result>([\\s\\S]*)</${operation}Result>`).exec(xml)?.[1] ?? '';
  return Object.fromEntries(
    [...result.matchAll(/<(\w+)>([^<]*)<\/\1>/g)].map(([, name, text]) => [
      name,
      (text as string).replace(
        /&(amp|lt|gt|quot|apos);/g,
        (_, entity: string) => XML_ENTITIES[entity] as string,
      ),
    ]),
  );
}

/**
 * AWS names the error in `__type` (`namespace#Code`), the `x-amzn-errortype` header (`Code:uri`), or, in the Query
 * protocol, the `<Code>` of its XML.
 */
function awsError({ status, body, headers }: RawAnswer): AwsError {
  const type = parseJsonObject(body)?.__type ?? /<Code>([\w.]{1,128})<\/Code>/.exec(body)?.[1];
  const named = typeof type === 'string' ? type : String(headers['x-amzn-errortype'] ?? '');
  const code = named.slice(named.lastIndexOf('#') + 1).split(':')[0] || 'UnknownError';
  return new AwsError(code, status);
}

/** Worth another attempt: AWS failed, or asked to slow down. */
function retryable({ status, code }: AwsError): boolean {
  return status >= 500 || status === 429 || THROTTLING.has(code);
}
