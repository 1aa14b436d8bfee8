// docs/contract.md §4: which credential a request presents, and whose it is. Runs before anything reads the body.
import { verifyBearerToken } from '#lib/auth/bearer.ts';
import { matchesIamPrincipal } from '#lib/auth/iam.ts';
import { verifyWebhook } from '#lib/auth/webhook.ts';
import type { AuthKind, Caller } from '#lib/domain/caller.ts';
import { AuthenticationFailed, CallerNotAuthorized } from '#lib/domain/errors.ts';
import type { HttpRequest } from '#lib/edge/request.ts';

export interface AuthenticatedCaller {
  readonly caller: Caller;
  readonly kind: AuthKind;
}

const WEBHOOK_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'];

/**
 * Exactly one kind of credential, and it must verify; anything else is the same AuthenticationFailed. An
 * IAM principal AWS has already verified but that no caller lists is known and refused: CallerNotAuthorized.
 */
export function authenticateCaller(
  request: HttpRequest,
  callers: readonly Caller[],
  nowSeconds: number,
): AuthenticatedCaller {
  const kinds = presentedKinds(request);
  if (kinds.length === 0) throw new AuthenticationFailed('no credential presented');
  if (kinds.length > 1)
    throw new AuthenticationFailed(`credentials of several kinds presented: ${kinds.join(', ')}`);
  const [kind] = kinds as [AuthKind];
  if (kind === 'iam') return { caller: iamCaller(request.iamPrincipal ?? '', callers), kind };
  if (kind === 'webhook') {
    const verdict = verifyWebhook(request, callers, nowSeconds);
    if ('reason' in verdict) throw new AuthenticationFailed(verdict.reason);
    return { caller: verdict.caller, kind };
  }
  const caller = bearerCaller(request, callers);
  if (caller === undefined) throw new AuthenticationFailed('bearer credential did not verify');
  return { caller, kind };
}

function presentedKinds(request: HttpRequest): AuthKind[] {
  const authorization = request.headers.get('authorization');
  const kinds: AuthKind[] = [];
  // With AWS_IAM auth, the Authorization header carries the SigV4 signature AWS already verified: part of 'iam'.
  if (authorization !== undefined && !(request.iamPrincipal !== undefined && /^AWS4-/i.test(authorization))) {
    kinds.push('bearer');
  }
  if (WEBHOOK_HEADERS.some((name) => request.headers.has(name))) kinds.push('webhook');
  if (request.iamPrincipal !== undefined) kinds.push('iam');
  return kinds;
}

function bearerCaller(request: HttpRequest, callers: readonly Caller[]): Caller | undefined {
  const match = /^Bearer +(\S.*)$/i.exec(request.headers.get('authorization') ?? '');
  return match?.[1] === undefined ? undefined : verifyBearerToken(match[1], callers);
}

function iamCaller(arn: string, callers: readonly Caller[]): Caller {
  const caller = callers.find(
    ({ credential }) =>
      credential.kind === 'iam' &&
      credential.principals.some((principal) => matchesIamPrincipal(arn, principal)),
  );
  if (caller === undefined) throw new CallerNotAuthorized('This AWS principal is not a listed caller.');
  return caller;
}
