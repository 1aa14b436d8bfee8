// The Secrets Manager rotation function, assembled: one step per invocation, one audit line per step.

import type { Context } from 'aws-lambda';
import { explainFailure, writeAuditLine } from '#lib/audit-log.ts';
import { type AwsJsonClient, awsJsonClient } from '#lib/aws/aws-json-client.ts';
import type { Loaded, SecretsManagerConfig } from '#lib/config.ts';
import { type ConfigSource, fixedSource, withFreshCredentials } from '#lib/config-source.ts';
import { ConfigurationInvalid, InvalidRequest } from '#lib/errors.ts';
import { keyFingerprint } from '#lib/key-fingerprint.ts';
import { configuredLedger } from '#lib/ledger/configured-ledger.ts';
import type { RotationLedger } from '#lib/ledger/rotation-ledger.ts';
import { embeddedMetrics } from '#lib/metrics.ts';
import type { RetryPolicy } from '#lib/outbound/retry.ts';
import { runOf, type TeoTally } from '#lib/rotation/invocation.ts';
import { eventBridgeEvents, noEvents, type RotationEvents } from '#lib/rotation/rotation-events.ts';
import { DEFAULT_RETRY } from '#lib/rotation/send-key.ts';
import {
  ROTATION_STEPS,
  type RotationStep,
  runRotationStep,
  type SecretRotationDeps,
  type StepResult,
} from '#lib/secrets-manager/rotation-steps.ts';
import { createTencentCloudGateway } from '#lib/teo/tencent-cloud-gateway.ts';

export interface RotationEvent {
  readonly Step: string;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
}

export interface SecretsManagerHandlerOptions {
  readonly secrets?: AwsJsonClient;
  readonly ledger?: RotationLedger;
  readonly retry?: RetryPolicy;
  /** Defaults to EventBridge with ROTATOR_EVENT_BUS, else none. */
  readonly events?: RotationEvents;
}

export function createSecretsManagerRotationHandler(
  config: Loaded<SecretsManagerConfig> | ConfigSource<SecretsManagerConfig>,
  options: SecretsManagerHandlerOptions = {},
) {
  const source = 'current' in config ? config : fixedSource(config);
  const secrets = options.secrets ?? awsJsonClient('secretsmanager');
  let ledger = options.ledger;
  let events = options.events;
  let last: { config: SecretsManagerConfig; deps: SecretRotationDeps } | undefined;
  const depsFor = (config: SecretsManagerConfig): SecretRotationDeps => {
    if (last?.config !== config) {
      ledger ??= configuredLedger(config.table);
      events ??= config.eventBus === undefined ? noEvents : eventBridgeEvents(config.eventBus);
      last = {
        config,
        deps: {
          secrets,
          ledger,
          teo: createTencentCloudGateway(config.teo),
          retry: options.retry ?? DEFAULT_RETRY,
          zones: config.zones,
          secretPrefix: config.secretPrefix,
        },
      };
    }
    return last.deps;
  };
  return async (event: unknown, context: Context): Promise<void> => {
    const started = performance.now();
    const tally: TeoTally = { teoAttempts: 0, teoLatenciesMs: [] };
    let result: StepResult = {};
    let failure: unknown;
    let eventPublished: boolean | undefined;
    try {
      const step = target(event);
      const loaded = await source.current();
      if (!loaded.ok) throw new ConfigurationInvalid(loaded.problems);
      // A rotation step is first seen when it runs: Secrets Manager retries a step with a fresh invocation.
      const run = runOf(context, tally, { firstSeen: Date.now(), by: 'secretsmanager' });
      result = await withFreshCredentials(source, loaded.config, (config) =>
        runRotationStep(step, depsFor(config), run),
      );
      // setSecret put the key live: whoever subscribes must hear of it, as after an HTTP rotation.
      if (result.rotation && result.outcome && events !== undefined && events !== noEvents) {
        eventPublished = await events.announce({
          rotation: result.rotation,
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
    const outcome = refused
      ? 'refused'
      : failure
        ? 'failed'
        : Step === 'setSecret' && !result.alreadyCurrent
          ? 'rotated'
          : 'completed';
    writeAuditLine(outcome === 'failed' ? 'ERROR' : 'INFO', context, {
      outcome,
      step: Step,
      secret: SecretId,
      caller: 'secretsmanager',
      authKind: 'lambda-invoke',
      zone: result.rotation?.zoneId,
      keyFingerprint: result.rotation && keyFingerprint(result.rotation.secretKey),
      teoRequestId: result.outcome?.requestId,
      teoAttempts: tally.teoAttempts,
      settledBy: result.outcome?.settledBy,
      alreadyCurrent: result.alreadyCurrent,
      eventPublished,
      durationMs: Math.round(performance.now() - started),
      errorDetail: failure === undefined ? undefined : explainFailure(failure),
      ...embeddedMetrics({ outcome, ...tally, eventPublishFailed: eventPublished === false }),
    });
    // Failing the invocation is how a step tells Secrets Manager it failed: AWSCURRENT stays where it was.
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
