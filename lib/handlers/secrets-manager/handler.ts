// The Secrets Manager rotation function, assembled: one step per invocation, one audit line per step.

import type { Context } from 'aws-lambda';
import { type AwsJsonClient, awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { InvalidRequest } from '#lib/domain/errors.ts';
import type { RetryPolicy } from '#lib/domain/retry.ts';
import { DEFAULT_RETRY } from '#lib/domain/rotation/send-key.ts';
import { startAudit, writeAudit } from '#lib/handlers/audit/audit-log.ts';
import {
  type ConfigSource,
  currentConfig,
  fixedSource,
  withFreshCredentials,
} from '#lib/handlers/config/config-source.ts';
import { functionSetup, type SetupOptions } from '#lib/handlers/config/function-setup.ts';
import type { Loaded } from '#lib/handlers/config/loaded.ts';
import type { SecretsManagerConfig } from '#lib/handlers/config/secrets-manager-config.ts';
import { runOf } from '#lib/handlers/invocation.ts';
import {
  ROTATION_STEPS,
  type RotationStep,
  runRotationStep,
  type SecretRotationDeps,
  type StepResult,
} from '#lib/handlers/secrets-manager/rotation-steps.ts';

export interface RotationEvent {
  readonly Step: string;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
}

export interface SecretsManagerHandlerOptions extends SetupOptions {
  readonly secrets?: AwsJsonClient;
  readonly retry?: RetryPolicy;
}

export function createSecretsManagerRotationHandler(
  config: Loaded<SecretsManagerConfig> | ConfigSource<SecretsManagerConfig>,
  options: SecretsManagerHandlerOptions = {},
) {
  const source = 'current' in config ? config : fixedSource(config);
  const secrets = options.secrets ?? awsJsonClient('secretsmanager');
  const setupFor = functionSetup<SecretsManagerConfig>(options);
  const depsFor = (config: SecretsManagerConfig): SecretRotationDeps => ({
    ...setupFor(config),
    secrets,
    retry: options.retry ?? DEFAULT_RETRY,
    zones: config.zones,
    secretPrefix: config.secretPrefix,
  });
  return async (event: unknown, context: Context): Promise<void> => {
    const audit = startAudit(context);
    let result: StepResult = {};
    let failure: unknown;
    let eventPublished: boolean | undefined;
    let keyFingerprint: string | undefined;
    try {
      const step = target(event);
      const config = await currentConfig(source);
      // A rotation step is first seen when it runs: Secrets Manager retries a step with a fresh invocation.
      const run = runOf(context, audit.tally, {
        firstSeen: Date.now(),
        by: 'secretsmanager',
        fingerprint: config.fingerprint,
      });
      result = await withFreshCredentials(source, config, (fresh) =>
        runRotationStep(step, depsFor(fresh), run),
      );
      keyFingerprint = result.rotation && config.fingerprint(result.rotation.secretKey);
      // setSecret put the key live: whoever subscribes must hear of it, as after an HTTP rotation.
      const { events } = setupFor(config);
      if (result.rotation && result.outcome && keyFingerprint && events) {
        eventPublished = await events.announce({
          zoneId: result.rotation.zoneId,
          keyFingerprint,
          requestId: result.outcome.requestId,
          caller: 'secretsmanager',
          trigger: 'secretsmanager-rotation',
        });
      }
    } catch (error) {
      failure = error;
    }
    // An event that is no rotation step was refused, not failed: it must not page anyone through the metric.
    const refused = failure instanceof InvalidRequest;
    const { Step, SecretId } = refused ? {} : (event as RotationEvent);
    writeAudit(audit, {
      outcome: refused
        ? 'refused'
        : failure
          ? 'failed'
          : Step === 'setSecret' && !result.alreadyCurrent
            ? 'rotated'
            : 'completed',
      eventPublished,
      error: failure,
      fields: {
        step: Step,
        secret: SecretId,
        caller: 'secretsmanager',
        authKind: 'lambda-invoke',
        zone: result.rotation?.zoneId,
        keyFingerprint,
        teoRequestId: result.outcome?.requestId,
        settledBy: result.outcome?.settledBy,
        firstKey: result.outcome?.firstKey,
        alreadyCurrent: result.alreadyCurrent,
      },
    });
    if (failure) throw failure;
  };
}

function target(event: unknown): { step: RotationStep; secretId: string; token: string } {
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
