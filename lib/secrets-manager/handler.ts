// The Secrets Manager rotation function, assembled: one step per invocation, one audit line per step.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { explainFailure, writeAuditLine } from '#lib/audit-log.ts';
import type { Loaded, SecretsManagerConfig } from '#lib/config.ts';
import { ConfigurationInvalid, SecretRotationRefused } from '#lib/errors.ts';
import { keyFingerprint } from '#lib/key-fingerprint.ts';
import { configuredLedger } from '#lib/ledger/configured-ledger.ts';
import type { RotationLedger } from '#lib/ledger/rotation-ledger.ts';
import { embeddedMetrics } from '#lib/metrics.ts';
import { DEFAULT_RETRY, type RetryPolicy, runOf, type TeoTally } from '#lib/rotation/rotate-zone.ts';
import {
  ROTATION_STEPS,
  type RotationStep,
  runRotationStep,
  type StepResult,
} from '#lib/secrets-manager/rotation-steps.ts';
import { createTencentCloudGateway } from '#lib/teo/tencent-cloud-gateway.ts';

export interface RotationEvent {
  readonly Step: string;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
}

export interface SecretsManagerHandlerOptions {
  readonly secrets?: SecretsManagerClient;
  readonly ledger?: RotationLedger;
  readonly retry?: RetryPolicy;
}

export function createSecretsManagerRotationHandler(
  loaded: Loaded<SecretsManagerConfig>,
  options: SecretsManagerHandlerOptions = {},
) {
  const deps = loaded.ok && {
    secrets: options.secrets ?? new SecretsManagerClient({}),
    teo: createTencentCloudGateway(loaded.config.teo),
    ledger: options.ledger ?? configuredLedger(loaded.config.table),
    retry: options.retry ?? DEFAULT_RETRY,
    zones: loaded.config.zones,
    secretPrefix: loaded.config.secretPrefix,
  };
  return async (event: RotationEvent, context: Context): Promise<void> => {
    const started = performance.now();
    const tally: TeoTally = { teoAttempts: 0, teoLatenciesMs: [] };
    let result: StepResult = {};
    let failure: unknown;
    try {
      if (!deps) throw new ConfigurationInvalid(loaded.ok ? [] : loaded.problems);
      // A rotation step is first seen when it runs: Secrets Manager retries a step with a fresh invocation.
      result = await runRotationStep(
        target(event),
        deps,
        runOf(context, tally, { firstSeen: Date.now(), by: 'secretsmanager' }),
      );
    } catch (error) {
      failure = error;
    }
    const outcome = failure
      ? 'failed'
      : event.Step === 'setSecret' && !result.alreadyCurrent
        ? 'rotated'
        : 'completed';
    writeAuditLine(failure ? 'ERROR' : 'INFO', context, {
      outcome,
      step: event.Step,
      secret: event.SecretId,
      caller: 'secretsmanager',
      authKind: 'lambda-invoke',
      zone: result.rotation?.zoneId,
      keyFingerprint: result.rotation && keyFingerprint(result.rotation.secretKey),
      teoRequestId: result.outcome?.requestId,
      teoAttempts: tally.teoAttempts,
      settledBy: result.outcome?.settledBy,
      alreadyCurrent: result.alreadyCurrent,
      durationMs: Math.round(performance.now() - started),
      errorDetail: failure === undefined ? undefined : explainFailure(failure),
      ...embeddedMetrics({ outcome, ...tally }),
    });
    // Failing the invocation is how a step tells Secrets Manager it failed: AWSCURRENT stays where it was.
    if (failure) throw failure;
  };
}

function target(event: RotationEvent): { step: RotationStep; secretId: string; token: string } {
  const step = ROTATION_STEPS.find((name) => name === event.Step);
  if (
    step === undefined ||
    typeof event.SecretId !== 'string' ||
    typeof event.ClientRequestToken !== 'string'
  ) {
    throw new SecretRotationRefused(
      'The event is not a Secrets Manager rotation step (Step, SecretId, ClientRequestToken).',
    );
  }
  return { step, secretId: event.SecretId, token: event.ClientRequestToken };
}
