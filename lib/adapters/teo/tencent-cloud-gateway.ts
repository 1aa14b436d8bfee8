// TeoGateway over the Tencent Cloud SDK's CommonClient, which signs (TC3-HMAC-SHA256) and sends each request: with
// the key pair it is given, or, keyless, with temporary credentials and their X-TC-Token (keyless-credentials.ts).
import { CommonClient } from 'tencentcloud-sdk-nodejs-common';
import type { AwsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { withAttemptTimeout } from '#lib/adapters/http/attempt-timeout.ts';
import { agentFor } from '#lib/adapters/teo/endpoint.ts';
import { type KeylessCredentials, keylessCredentials } from '#lib/adapters/teo/keyless-credentials.ts';
import type { TeoSettings } from '#lib/adapters/teo/teo-settings.ts';
import type { Clock } from '#lib/domain/retry.ts';
import {
  CredentialsUnavailable,
  staleCredentials,
  TeoRefused,
  TeoUnreachable,
} from '#lib/domain/teo-errors.ts';
import { TEO_ACTION, type TeoAction, type TeoGateway } from '#lib/domain/teo-gateway.ts';

const API_VERSION = '2022-09-01';

export interface GatewayOptions {
  /** AWS STS as the function's role, for keyless credentials: its Region's, unless a test gives a stand-in. */
  readonly sts?: AwsJsonClient;
}

/** `clock` bounds each attempt by the caller's deadline, and dates keyless credentials. */
export function createTencentCloudGateway(
  { endpoint, timeoutMs, credentials }: TeoSettings,
  clock: Pick<Clock, 'now'>,
  { sts }: GatewayOptions = {},
): TeoGateway {
  const keyless: KeylessCredentials | undefined =
    'oidc' in credentials ? keylessCredentials(credentials.oidc, { clock, ...(sts && { sts }) }) : undefined;
  const client = new CommonClient(endpoint.host, API_VERSION, {
    credential:
      'oidc' in credentials
        ? {
            // The SDK asks before each request; the credentials are kept, and renewed before they end.
            getCredential: async () => {
              const { secretId, secretKey, sessionToken } = await (keyless as KeylessCredentials).current();
              return { secretId, secretKey, token: sessionToken };
            },
          }
        : {
            secretId: credentials.secretId,
            secretKey: credentials.secretKey,
            ...(credentials.sessionToken && { token: credentials.sessionToken }),
          },
    profile: {
      // An explicit agent also keeps the SDK from routing through an ambient http_proxy.
      httpProfile: { protocol: `${endpoint.protocol}//`, agent: agentFor(endpoint) },
    },
  });

  /**
   * One action: keyless, when TEO refuses the temporary credentials as expired or unknown, they are renewed and the
   * call sent once more (TEO changed nothing).
   */
  async function call(
    action: TeoAction,
    params: Record<string, string>,
    deadline: number,
  ): Promise<Record<string, unknown> & { RequestId: string }> {
    try {
      return await attempt(action, params, deadline);
    } catch (error) {
      if (keyless === undefined || !staleCredentials(error)) throw error;
      await keyless.renew();
      return attempt(action, params, deadline);
    }
  }

  /** One attempt of one action, within TEO_TIMEOUT_MS and the caller's deadline; every failure classified. */
  async function attempt(
    action: TeoAction,
    params: Record<string, string>,
    deadline: number,
  ): Promise<Record<string, unknown> & { RequestId: string }> {
    return withAttemptTimeout(Math.max(0, Math.min(timeoutMs, deadline - clock.now())), async (signal) => {
      // Got before the SDK asks for them, so that a failure keeps its kind (the SDK rewraps what it is thrown).
      await keyless?.current();
      try {
        const answer: Record<string, unknown> = await client.request(action, params, { signal });
        if (!isRequestId(answer.RequestId)) {
          throw new TeoUnreachable(
            'malformed-answer',
            'TEO answered without a well-formed RequestId',
            'unknown',
          );
        }
        return { ...answer, RequestId: answer.RequestId };
      } catch (error) {
        throw classify(action, error, signal);
      }
    });
  }

  return {
    async writeSecretKey(write, rotation, deadline) {
      const params = { ZoneId: rotation.zoneId, SecretKey: rotation.secretKey };
      return (await call(TEO_ACTION[write], params, deadline)).RequestId;
    },
    async describeSecretKey(zoneId, deadline) {
      let answer: Record<string, unknown> & { RequestId: string };
      try {
        answer = await call(TEO_ACTION.Describe, { ZoneId: zoneId }, deadline);
      } catch (error) {
        // Tencent's Terraform provider reads ResourceNotFound as "no key yet" (docs/contract.md §1).
        if (error instanceof TeoRefused && error.code.startsWith('ResourceNotFound') && error.requestId) {
          return { secretKey: undefined, requestId: error.requestId };
        }
        throw error;
      }
      const { SecretKey, RequestId } = answer;
      // An answer without a SecretKey is a zone without a key, as the provider reads it; an empty one holds none.
      if (SecretKey === undefined || SecretKey === null || SecretKey === '') {
        return { secretKey: undefined, requestId: RequestId };
      }
      if (typeof SecretKey !== 'string') {
        throw new TeoUnreachable(
          'malformed-answer',
          'TEO described the zone with a SecretKey that is no string',
          'unknown',
        );
      }
      return { secretKey: SecretKey, requestId: RequestId };
    },
  };
}

/**
 * What TEO's RequestIds look like, with room to spare: documented as a UUID ("9153aae4-26b1-4580-adc3-fa7cd4d32bf5"),
 * taken as 1 to 64 letters, digits, '.', '_' or '-'. Anything else (text, markup, a quoted parameter) is no
 * RequestId to pass on to a caller or a log.
 */
const isRequestId = (value: unknown): value is string =>
  typeof value === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value);

/** What TEO's error codes look like ("AuthFailure.SignatureFailure"); anything else is not a code to pass on. */
const TEO_CODE = /^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*$/;
const MAX_CODE_CHARS = 128;

/**
 * What the SDK throws, told apart: TEO's own error, an HTTP status, an unusable answer, a timeout, the network.
 * TEO's free text is never kept: only its code and RequestId, which hold no parameter.
 */
function classify(action: TeoAction, error: unknown, attempt: AbortSignal): Error {
  // Nothing was sent: the credentials could not be had.
  if (error instanceof TeoUnreachable || error instanceof CredentialsUnavailable) return error;
  if (attempt.aborted)
    return new TeoUnreachable('timeout', 'TEO did not answer in time', 'unknown', { cause: attempt.reason });
  const fields = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  // The SDK sets `code` only on an error TEO answered with, whatever its type.
  if ('code' in fields) {
    const { code, requestId } = fields;
    if (typeof code !== 'string' || code.length > MAX_CODE_CHARS || !TEO_CODE.test(code)) {
      return new TeoUnreachable(
        'malformed-answer',
        'TEO answered an error without a well-formed Code',
        'unknown',
      );
    }
    return new TeoRefused(action, code, isRequestId(requestId) ? requestId : undefined);
  }
  // Neither an HTTP status nor a network failure carries TEO's text: the SDK's error is kept as the cause.
  if (typeof fields.httpCode === 'number')
    return new TeoUnreachable('http-status', `TEO answered HTTP ${fields.httpCode}`, 'unknown', {
      cause: error,
    });
  // The SDK wraps what node:http threw (ECONNREFUSED, a reset, a TLS failure) in its own error's message.
  const what = typeof fields.message === 'string' ? fields.message : 'unknown error';
  return new TeoUnreachable('transport', `TEO could not be reached: ${what.slice(0, 200)}`, 'unknown', {
    cause: error,
  });
}
