// What one request has established so far, filled in by the middlewares in order and read by the audit line.
import type { Context } from 'aws-lambda';
import type { AuthenticatedCaller } from '#lib/auth/authenticate-caller.ts';
import type { HttpRequest } from '#lib/http/request.ts';
import type { HttpResponse, Refusal } from '#lib/http/responses.ts';
import type { Route } from '#lib/http/routes.ts';
import type { RotatorSetup } from '#lib/middleware/configure.ts';
import type { HttpRotationRequest } from '#lib/rotation-request.ts';

export interface RequestRecord {
  readonly startedAt: number;
  /** What the configuration in force set up; absent while it is invalid. */
  setup?: RotatorSetup;
  http?: HttpRequest;
  route?: Route;
  authenticated?: AuthenticatedCaller;
  rotation?: HttpRotationRequest;
  /** The zone a GET /zones/{ZoneId} asks about, once validated. */
  statusOf?: string;
  /** What a successful request did, when it is not a rotation: a dry run, or a zone's status. */
  done?: 'dry-run' | 'described';
  /** Whether the rotation event reached EventBridge; absent when none was due. */
  eventPublished?: boolean;
  teoRequestId?: string;
  /** How many times ModifyMultiPathGatewaySecretKey was sent, and each TEO call's latency. */
  teoAttempts: number;
  teoLatenciesMs: number[];
  settledBy?: string;
  /** The ledger key of a request id this invocation claimed, to finish when it answers. */
  claimedRequest?: string;
  /** When a redelivered request was first seen; a request without an id is first seen now. */
  firstSeen?: number;
  /** The first answer to a redelivered request, given again. */
  replay?: HttpResponse;
  refusal?: Refusal;
}

export type RotateContext = Context & { rotator: RequestRecord };
