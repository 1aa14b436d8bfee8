// The Tencent key's own rotation, assembled (steps.ts): Secrets Manager invokes it one step at a time for a
// function's secret; it signs CAM's and TEO's calls with the pairs that secret holds, so it has no Tencent
// credentials of its own, and it is configured by the environment alone (nothing in it is a secret). The functions'
// shared chain without their configuration (assembleInvocation): one audit line per step; a step that fails fails
// the invocation, which Secrets Manager retries.
import { type AwsJsonClient, awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { camClient, parseCamEndpoint } from '#lib/adapters/teo/cam.ts';
import { parseTeoEndpoint, type TeoEndpoint } from '#lib/adapters/teo/endpoint.ts';
import { createTencentCloudGateway } from '#lib/adapters/teo/tencent-cloud-gateway.ts';
import { ConfigurationInvalid, InvalidRequest } from '#lib/domain/errors.ts';
import { type Clock, systemClock } from '#lib/domain/retry.ts';
import { isZoneId } from '#lib/domain/zone-id.ts';
import { type AuditStart, startAudit, writeAudit } from '#lib/handlers/audit/audit-log.ts';
import { allOf, invalid, type Loaded, valid } from '#lib/handlers/config/loaded.ts';
import { assembleInvocation } from '#lib/handlers/function-shell.ts';
import { target } from '#lib/handlers/secrets-manager/handler.ts';
import { type KeyStepResult, runKeyRotationStep } from '#lib/handlers/tencent-key-rotation/steps.ts';

export interface KeyRotationConfig {
  readonly teo: TeoEndpoint;
  readonly timeoutMs: number;
  /** The zone testSecret Describes with the new pair (ROTATOR_KEY_TEST_ZONE). */
  readonly testZone: string;
  /** CAM, where the keys are made (TENCENT_CAM_ENDPOINT): Tencent's, or a loopback stand-in dialled as it. */
  readonly cam: TeoEndpoint;
}

type Environment = Readonly<Record<string, string | undefined>>;

export function loadKeyRotationConfig(env: Environment): Loaded<KeyRotationConfig> {
  const teo = parseTeoEndpoint(env.TEO_ENDPOINT || 'https://teo.intl.tencentcloudapi.com');
  return allOf({
    teo: typeof teo === 'string' ? invalid(teo) : valid(teo),
    timeoutMs: valid(5000),
    testZone: isZoneId(env.ROTATOR_KEY_TEST_ZONE ?? '')
      ? valid(env.ROTATOR_KEY_TEST_ZONE as string)
      : invalid('ROTATOR_KEY_TEST_ZONE must be the id of a zone the key may Describe (zone-...)'),
    cam: camEndpointOf(env.TENCENT_CAM_ENDPOINT || 'https://cam.tencentcloudapi.com'),
  });
}

function camEndpointOf(raw: string): Loaded<TeoEndpoint> {
  const endpoint = parseCamEndpoint(raw, 'TENCENT_CAM_ENDPOINT');
  return typeof endpoint === 'string' ? invalid(endpoint) : valid(endpoint);
}

/** What the step's audit line is written from. */
interface KeyStepTrail {
  readonly audit: AuditStart;
  /** The event's fields as Secrets Manager sent them: its step and secret are on the line, cut short. */
  readonly fields: Record<string, unknown>;
  result?: KeyStepResult;
}

export function createTencentKeyRotationHandler(
  loaded: Loaded<KeyRotationConfig>,
  {
    secrets = awsJsonClient('secretsmanager'),
    clock = systemClock,
  }: { secrets?: AwsJsonClient; clock?: Clock } = {},
) {
  return assembleInvocation<unknown, void, KeyStepTrail>(
    {
      begin: (context, event) => ({
        audit: startAudit(context),
        fields: (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>,
      }),
      // A step that fails fails the invocation: Secrets Manager retries the rotation.
      answer: () => undefined,
      audit({ audit, fields, result = {} }, { error }) {
        writeAudit(audit, {
          outcome:
            error instanceof InvalidRequest
              ? 'refused'
              : error
                ? 'failed'
                : fields.Step === 'finishSecret' && !result.alreadyCurrent
                  ? 'rotated'
                  : 'completed',
          error,
          fields: {
            operation: 'tencent-key-rotation',
            step: typeof fields.Step === 'string' ? fields.Step.slice(0, 32) : undefined,
            secret: typeof fields.SecretId === 'string' ? fields.SecretId.slice(0, 256) : undefined,
            deletedKeys: result.deleted || undefined,
            oldKeyDeactivated: result.deactivated,
            alreadyCurrent: result.alreadyCurrent,
          },
        });
      },
    },
    async (event, _context, trail) => {
      if (!loaded.ok) throw new ConfigurationInvalid(loaded.problems);
      const { teo, timeoutMs, testZone, cam } = loaded.config;
      trail.result = await runKeyRotationStep(target(event), {
        secrets,
        cam: (credentials) => camClient(cam, credentials),
        probe: async (credentials) => {
          const gateway = createTencentCloudGateway({ endpoint: teo, timeoutMs, credentials }, clock);
          await gateway.describeSecretKey(testZone, clock.now() + timeoutMs);
        },
      });
    },
  );
}
