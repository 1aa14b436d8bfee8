// The refusals and failures the functions themselves decide, by what went wrong; lib/handlers/http/responses.ts alone decides
// the status and code each is answered with (docs/contract.md §2). Messages name the field and the rule broken,
// never a submitted value. Each takes ErrorOptions, so that a cause is kept wherever it can hold no secret.
import type { Caller } from '#lib/domain/caller.ts';

/** A refusal of several kinds, its `code` saying exactly which. */
abstract class CodedError<Code extends string> extends Error {
  readonly code: Code;
  constructor(code: Code, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** The request's fields, body or event are not acceptable as sent: 400 with `code`. */
export class InvalidRequest extends CodedError<
  'InvalidParameter' | 'InvalidParameterValue' | 'MissingParameter' | 'InvalidEvent'
> {
  override name = 'InvalidRequest';
}

/** The body is larger than the function reads. */
export class BodyTooLarge extends Error {
  override name = 'BodyTooLarge';
}

/** The body is not declared as JSON. */
export class UnsupportedMediaType extends Error {
  override name = 'UnsupportedMediaType';
}

/** Nothing is served at this path. */
export class RouteNotFound extends Error {
  override name = 'RouteNotFound';
}

/** The path is served, with other methods: `allow`. */
export class MethodNotAllowed extends Error {
  override name = 'MethodNotAllowed';
  readonly allow: string;
  constructor(message: string, allow: string) {
    super(message);
    this.allow = allow;
  }
}

/** No credential, several kinds, or a wrong one. `reason` is for the log only: every caller gets the same 401. */
export class AuthenticationFailed extends Error {
  override name = 'AuthenticationFailed';
  readonly reason: string;
  /** The caller whose webhook secret did sign the request, refused for its time: its id is recorded all the same. */
  readonly signedBy: Caller | undefined;
  constructor(reason: string, options?: ErrorOptions & { readonly signedBy?: Caller | undefined }) {
    super('The request could not be authenticated.', options);
    this.reason = reason;
    this.signedBy = options?.signedBy;
  }
}

/** An authenticated caller asked for a zone it may not rotate, or is not listed at all. */
export class CallerNotAuthorized extends Error {
  override name = 'CallerNotAuthorized';
}

/**
 * docs/contract.md §5: another rotation of the zone, or this very request, is in flight; a redelivery changed its
 * body; or a request first seen later has already been sent to TEO, so this one would roll the zone back.
 */
export class RotationConflict extends CodedError<RotationConflictCode> {
  override name = 'RotationConflict';
}

/** A Secrets Manager rotation step that must not proceed; nothing was changed. */
export class SecretRotationRefused extends Error {
  override name = 'SecretRotationRefused';
}

/** The deployment's own configuration is invalid; `problems` go to the log, never to the caller. */
export class ConfigurationInvalid extends Error {
  override name = 'ConfigurationInvalid';
  readonly problems: readonly string[];
  constructor(problems: readonly string[], options?: ErrorOptions) {
    super('The function is misconfigured.', options);
    this.problems = problems;
  }
}

export type RotationConflictCode =
  | 'ResourceInUse'
  | 'RequestInProgress'
  | 'IdempotentParameterMismatch'
  | 'RequestSuperseded'
  /** Another writer owns the zone (docs/contract.md §3): the code says which to use. */
  | 'ZoneOwnedBySync'
  | 'ZoneOwnedBySecretsManagerRotation';

/** The Lambda is about to run out of time before TEO answered. */
export class DeadlineExceeded extends Error {
  override name = 'DeadlineExceeded';
}

/** A sync run in which some bindings failed: the invocation fails, so that EventBridge retries it. */
export class SyncFailed extends Error {
  override name = 'SyncFailed';
  /** The zones failed, then those deferred (not reached in time, or their manager's rate limit not waited out). */
  readonly zoneIds: readonly string[];
  constructor(failed: readonly string[], deferred: readonly string[]) {
    super(
      [
        failed.length > 0 && `Sync failed for ${failed.join(', ')}`,
        deferred.length > 0 && `Sync deferred for ${deferred.join(', ')}`,
      ]
        .filter(Boolean)
        .join('; '),
    );
    this.zoneIds = [...failed, ...deferred];
  }
}
