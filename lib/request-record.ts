// What one request has established so far, filled in by the middlewares in order and read by the audit line.
import type { Context } from 'aws-lambda';
import type { AuthenticatedCaller } from '#lib/auth/authenticate-caller.ts';
import type { HttpRequest } from '#lib/http/request.ts';
import type { Refusal } from '#lib/http/responses.ts';
import type { RotationRequest } from '#lib/rotation-request.ts';

export interface RequestRecord {
  readonly startedAt: number;
  http?: HttpRequest;
  authenticated?: AuthenticatedCaller;
  rotation?: RotationRequest;
  teoRequestId?: string;
  teoAttempts: number;
  refusal?: Refusal;
}

export type RotateContext = Context & { rotator: RequestRecord };
