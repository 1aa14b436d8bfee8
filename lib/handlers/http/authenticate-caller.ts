// docs/contract.md §4: which credential a request presents, and whose it is. Runs before anything reads the body.

import type { AuthKind, Caller } from '#lib/domain/caller.ts';
import { AuthenticationFailed, CallerNotAuthorized } from '#lib/domain/errors.ts';
import { matchesIamPrincipal } from '#lib/domain/iam-principal.ts';
import { verifyBearerToken } from '#lib/handlers/http/bearer.ts';
import type { HttpRequest } from '#lib/handlers/http/request.ts';
import { verifyWebhook } from '#lib/handlers/http/webhook.ts';

export interface AuthenticatedCaller {
  readonly caller: Caller;
  readonly kind: AuthKind;
}

const WEBHOOK_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'];

/** A credential as the request presents it: the bearer's header and the verified ARN are carried with their kind. */
type Presented =
  | { readonly kind: 'bearer'; readonly authorization: string }
  | { readonly kind: 'webhook' }
  | { readonly kind: 'iam'; readonly principal: string };

/**
 * Exactly one kind of credential, and it must verify; anything else is the same AuthenticationFailed. An
 * IAM principal AWS has already verified but that no caller lists is known and refused: CallerNotAuthorized.
 */
export function authenticateCaller(
  request: HttpRequest,
  callers: readonly Caller[],
  nowSeconds: number,
): AuthenticatedCaller {
  const [presented, ...others] = presentedCredentials(request);
  if (presented === undefined) throw new AuthenticationFailed('no credential presented');
  if (others.length > 0) {
    const kinds = [presented, ...others].map(({ kind }) => kind).join(', ');
    throw new AuthenticationFailed(`credentials of several kinds presented: ${kinds}`);
  }
  const { kind } = presented;
  if (presented.kind === 'iam') return { caller: iamCaller(presented.principal, callers), kind };
  if (presented.kind === 'webhook') {
    const verdict = verifyWebhook(request, callers, nowSeconds);
    if ('reason' in verdict) throw new AuthenticationFailed(verdict.reason, { signedBy: verdict.signedBy });
    return { caller: verdict.caller, kind };
  }
  const caller = bearerCaller(presented.authorization, callers);
  if (caller === undefined) throw new AuthenticationFailed('bearer credential did not verify');
  return { caller, kind };
}

function presentedCredentials(request: HttpRequest): Presented[] {
  const authorization = request.headers.get('authorization');
  const principal = request.iamPrincipal;
  const presented: Presented[] = [];
  // With AWS_IAM auth, the Authorization header carries the SigV4 signature AWS already verified: part of 'iam'.
  if (authorization !== undefined && !(principal !== undefined && /^AWS4-/i.test(authorization))) {
    presented.push({ kind: 'bearer', authorization });
  }
  if (WEBHOOK_HEADERS.some((name) => request.headers.has(name))) presented.push({ kind: 'webhook' });
  if (principal !== undefined) presented.push({ kind: 'iam', principal });
  return presented;
}

function bearerCaller(authorization: string, callers: readonly Caller[]): Caller | undefined {
  const match = /^Bearer +(\S.*)$/i.exec(authorization);
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
