// The refusals the function itself decides; lib/http/responses.ts maps each to docs/contract.md §2's status and code.
// Messages name the field and the rule broken, never a submitted value.

/** The request is not acceptable as sent: body, media type, size or fields (400, 413, 415). */
export class InvalidRequest extends Error {
  override name = 'InvalidRequest';
  readonly status: 400 | 413 | 415;
  readonly code: string;
  constructor(status: 400 | 413 | 415, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Nothing is served at this path (404) or with this method (405, with the methods that are: `allow`). */
export class RouteNotFound extends Error {
  override name = 'RouteNotFound';
  readonly status: 404 | 405;
  readonly allow: string | undefined;
  constructor(status: 404 | 405, message: string, allow?: string) {
    super(message);
    this.status = status;
    this.allow = allow;
  }
}

/** No credential, several kinds, or a wrong one. `reason` is for the log only: every caller gets the same 401. */
export class AuthenticationFailed extends Error {
  override name = 'AuthenticationFailed';
  readonly reason: string;
  constructor(reason: string) {
    super('The request could not be authenticated.');
    this.reason = reason;
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
export class RotationConflict extends Error {
  override name = 'RotationConflict';
  readonly code: RotationConflictCode;
  constructor(code: RotationConflictCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** A Secrets Manager rotation step that must not proceed; nothing was changed. */
export class SecretRotationRefused extends Error {
  override name = 'SecretRotationRefused';
}

/** The deployment's own configuration is invalid; `problems` go to the log, never to the caller. */
export class ConfigurationInvalid extends Error {
  override name = 'ConfigurationInvalid';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('The function is misconfigured.');
    this.problems = problems;
  }
}

export type RotationConflictCode =
  | 'ResourceInUse'
  | 'RequestInProgress'
  | 'IdempotentParameterMismatch'
  | 'RequestSuperseded';

/** The Lambda is about to run out of time before TEO answered. */
export class DeadlineExceeded extends Error {
  override name = 'DeadlineExceeded';
}
