// How a call to TEO can fail, told apart so the edge can answer each as docs/contract.md §2 asks.
import type { TeoAction } from '#lib/domain/teo-gateway.ts';

/**
 * TEO answered, with an error: its own `Code` and `RequestId` are kept, and its free-text message is dropped. That
 * text may quote the parameters, the key among them, in any encoding: no scrubbing could be proved complete.
 */
export class TeoRefused extends Error {
  override name = 'TeoRefused';
  /** The call TEO refused, so that an answer names it: a status read is not a rotation. */
  readonly action: TeoAction;
  readonly code: string;
  readonly requestId: string | undefined;
  constructor(action: TeoAction, code: string, requestId: string | undefined) {
    super(`TEO answered ${code} to ${action}`);
    this.action = action;
    this.code = code;
    this.requestId = requestId;
  }
}

/** TEO refused the function's own Tencent credentials: a deployment fault, which no other call can mend. */
export const refusesCredentials = ({ code }: TeoRefused) =>
  /^(?:AuthFailure|UnauthorizedOperation)/.test(code);

/**
 * TEO's answers to credentials that are no longer good: a key pair rotated away (its secret is read again), or
 * temporary credentials expired or revoked (they are renewed). Either way the call is sent once more, harmlessly:
 * TEO changed nothing.
 */
const STALE_CREDENTIALS = new Set([
  'AuthFailure.SecretIdNotFound',
  'AuthFailure.SignatureFailure',
  'AuthFailure.TokenFailure',
]);
export const staleCredentials = (error: unknown) =>
  error instanceof TeoRefused && STALE_CREDENTIALS.has(error.code);

/**
 * The function could not get its Tencent credentials (keyless mode: the AWS token or its exchange at Tencent's STS
 * failed): nothing was sent to TEO. The message names the service and its error code, never a token.
 */
export class CredentialsUnavailable extends Error {
  override name = 'CredentialsUnavailable';
}

/**
 * `unsettled`: TEO refused a later attempt, after an earlier one whose outcome no Describe could settle: the earlier
 * one may have set the key.
 */
export type UnreachableReason = 'timeout' | 'transport' | 'http-status' | 'malformed-answer' | 'unsettled';

/**
 * What is known of the zone's key after an attempt without a usable answer: DescribeMultiPathGatewaySecretKey
 * showed the old key still live ('unchanged'), or could not tell ('unknown').
 */
export type KeyState = 'unknown' | 'unchanged';

/** No usable answer from TEO. */
export class TeoUnreachable extends Error {
  override name = 'TeoUnreachable';
  readonly reason: UnreachableReason;
  readonly keyState: KeyState;
  constructor(reason: UnreachableReason, message: string, keyState: KeyState, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
    this.keyState = keyState;
  }
}
