// The Secrets Manager rotation function, assembled: one step per invocation, one audit line per step.

import { type AwsJsonClient, awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { InvalidRequest } from '#lib/domain/errors.ts';
import { type AuditStart, startAudit, writeAudit } from '#lib/handlers/audit/audit-log.ts';
import { type ConfigSource, withFreshCredentials } from '#lib/handlers/config/config-source.ts';
import type { Loaded } from '#lib/handlers/config/loaded.ts';
import type { SecretsManagerConfig } from '#lib/handlers/config/secrets-manager-config.ts';
import { assembleFunction, type FunctionOptions } from '#lib/handlers/function-shell.ts';
import { runOf } from '#lib/handlers/invocation.ts';
import {
  ROTATION_STEPS,
  type RotationStep,
  runRotationStep,
  type StepResult,
} from '#lib/handlers/secrets-manager/rotation-steps.ts';

export interface RotationEvent {
  readonly Step: string;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
}

export interface SecretsManagerHandlerOptions extends FunctionOptions {
  readonly secrets?: AwsJsonClient;
}

/** What the step's audit line is written from. */
interface StepTrail {
  readonly audit: AuditStart;
  /** The event as Secrets Manager sent it: its step and secret are on the line unless it is no rotation step. */
  readonly event: unknown;
  result?: StepResult;
  keyFingerprint?: string | undefined;
  eventPublished?: boolean;
}

export function createSecretsManagerRotationHandler(
  config: Loaded<SecretsManagerConfig> | ConfigSource<SecretsManagerConfig>,
  options: SecretsManagerHandlerOptions = {},
) {
  const secrets = options.secrets ?? awsJsonClient('secretsmanager');
  return assembleFunction<unknown, void, SecretsManagerConfig, StepTrail>(
    config,
    {
      begin: (context, event) => ({ audit: startAudit(context), event }),
      async serve(event, context, { trail, setup, source, setupFor, clock, retry }) {
        const { step, secretId, token } = target(event);
        const { config } = setup;
        // A rotation step is first seen when it runs: Secrets Manager retries a step with a fresh invocation.
        const run = runOf(
          context,
          trail.audit.tally,
          { firstSeen: clock.now(), by: 'secretsmanager', fingerprint: config.fingerprint },
          clock,
        );
        const result = await withFreshCredentials(source, config, (fresh) =>
          runRotationStep(
            { step, secretId, token },
            { ...setupFor(fresh), secrets, retry, zones: fresh.zones, secretPrefix: fresh.secretPrefix },
            run,
          ),
        );
        trail.result = result;
        trail.keyFingerprint = result.rotation && config.fingerprint(result.rotation.secretKey);
        // setSecret put the key live: whoever subscribes must hear of it, as after an HTTP rotation.
        if (result.rotation && result.outcome && trail.keyFingerprint && setup.events) {
          trail.eventPublished = await setup.events.announce({
            zoneId: result.rotation.zoneId,
            keyFingerprint: trail.keyFingerprint,
            requestId: result.outcome.requestId,
            caller: 'secretsmanager',
            trigger: 'secretsmanager-rotation',
          });
        }
      },
      // A step that fails fails the invocation: Secrets Manager retries it.
      answer: () => undefined,
      audit(trail, { error }) {
        const result = trail.result ?? {};
        // An event that is no rotation step was refused, not failed: it must not page anyone through the metric.
        const refused = error instanceof InvalidRequest;
        const { Step, SecretId } = refused ? {} : (trail.event as RotationEvent);
        writeAudit(trail.audit, {
          outcome: refused
            ? 'refused'
            : error
              ? 'failed'
              : Step === 'setSecret' && !result.alreadyCurrent
                ? 'rotated'
                : 'completed',
          eventPublished: trail.eventPublished,
          error: error ?? undefined,
          fields: {
            step: Step,
            secret: SecretId,
            caller: 'secretsmanager',
            authKind: 'lambda-invoke',
            zone: result.rotation?.zoneId,
            keyFingerprint: trail.keyFingerprint,
            teoRequestId: result.outcome?.requestId,
            settledBy: result.outcome?.settledBy,
            firstKey: result.outcome?.firstKey,
            alreadyCurrent: result.alreadyCurrent,
          },
        });
      },
    },
    options,
  );
}

/** The rotation step Secrets Manager invokes a function for; anything else is refused. */
export function target(event: unknown): { step: RotationStep; secretId: string; token: string } {
  const { Step, SecretId, ClientRequestToken } = (
    typeof event === 'object' && event !== null ? event : {}
  ) as Record<string, unknown>;
  const step = ROTATION_STEPS.find((name) => name === Step);
  if (step === undefined || typeof SecretId !== 'string' || typeof ClientRequestToken !== 'string') {
    throw new InvalidRequest(
      'InvalidEvent',
      'The event is not a Secrets Manager rotation step (Step, SecretId, ClientRequestToken).',
    );
  }
  return { step, secretId: SecretId, token: ClientRequestToken };
}
