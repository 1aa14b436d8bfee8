// The four steps of a Secrets Manager rotation, as AWS's rotation templates do them: each checks the version's
// stages first, and each is idempotent for a repeated invocation with the same ClientRequestToken.
import { randomBytes } from 'node:crypto';
import * as v from 'valibot';
import { AwsError, type AwsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { isGranted, type ZoneGrant } from '#lib/domain/caller.ts';
import { SecretRotationRefused } from '#lib/domain/errors.ts';
import { parseJsonObject } from '#lib/domain/json-object.ts';
import type { RotationLedger } from '#lib/domain/ledger/rotation-ledger.ts';
import type { RetryPolicy } from '#lib/domain/retry.ts';
import { rotateZone } from '#lib/domain/rotation/rotate-zone.ts';
import type { RotationRun } from '#lib/domain/rotation/run.ts';
import { isRequestedKeyLive, type RotationOutcome } from '#lib/domain/rotation/send-key.ts';
import { ROTATION_FIELDS, type RotationRequest } from '#lib/domain/rotation-request.ts';
import type { TeoGateway } from '#lib/domain/teo-gateway.ts';
import { isZoneId } from '#lib/domain/zone-id.ts';

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

const CURRENT = 'AWSCURRENT';
const PENDING = 'AWSPENDING';

export interface SecretRotationDeps {
  readonly secrets: AwsJsonClient;
  readonly teo: TeoGateway;
  readonly ledger: RotationLedger;
  readonly retry: RetryPolicy;
  readonly zones: ZoneGrant;
  readonly secretPrefix: string;
}

export interface StepTarget {
  readonly step: RotationStep;
  readonly secretId: string;
  readonly token: string;
}

/** What a step did, for the audit line. */
export interface StepResult {
  readonly rotation?: RotationRequest;
  readonly outcome?: RotationOutcome;
  /** The version was already AWSCURRENT: the rotation had finished, and the step did nothing. */
  readonly alreadyCurrent?: true;
}

export async function runRotationStep(
  { step, secretId, token }: StepTarget,
  deps: SecretRotationDeps,
  run: RotationRun,
): Promise<StepResult> {
  const zoneId = zoneOfSecret(secretId, deps);
  const { alreadyCurrent, currentVersion } = await versionState(deps.secrets, secretId, token);
  if (alreadyCurrent) return { alreadyCurrent: true };
  switch (step) {
    case 'createSecret':
      return createSecret(deps, secretId, token, zoneId);
    case 'setSecret': {
      const rotation = await pendingRotation(deps, secretId, token, zoneId);
      return { rotation, outcome: await rotateZone(rotation, deps, run) };
    }
    case 'testSecret':
      return testSecret(deps, secretId, token, zoneId, run);
    case 'finishSecret':
      return finishSecret(deps.secrets, secretId, token, currentVersion);
  }
}

/** A secret's ARN ends with its name and a hyphen and six random characters. */
const SECRET_ARN = /^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:(.+)-[A-Za-z0-9]{6}$/;

/**
 * The zone a secret may rotate: the one its name ends with, `<ROTATOR_SM_SECRET_PREFIX><ZoneId>`. Its value must
 * name the same zone: otherwise anyone who may write any secret under the prefix could name any zone in it, have
 * that zone rotated, and then hold its live key.
 */
function zoneOfSecret(secretId: string, { secretPrefix, zones }: SecretRotationDeps): string {
  const name = SECRET_ARN.exec(secretId)?.[1] ?? secretId;
  const zoneId = name.startsWith(secretPrefix) ? name.slice(secretPrefix.length) : '';
  if (!isZoneId(zoneId)) {
    throw new SecretRotationRefused(
      `The secret's name is not ${secretPrefix}<ZoneId>: this function rotates only secrets named for their zone.`,
    );
  }
  if (!isGranted(zones, zoneId)) {
    throw new SecretRotationRefused(`The zone ${zoneId} is not in this function's ROTATOR_SM_ZONES.`);
  }
  return zoneId;
}

/** The zone a secret's value names must be the one its name binds it to. */
function checkBoundZone(namedZone: string, boundZone: string, which: string) {
  if (namedZone !== boundZone) {
    throw new SecretRotationRefused(
      `The ${which} secret names the zone ${namedZone}, but the secret's name binds it to ${boundZone}.`,
    );
  }
}

/** What DescribeSecret answers that the steps read. */
interface SecretDescription {
  readonly RotationEnabled?: boolean;
  /** Absent when the secret has no version. */
  readonly VersionIdsToStages?: Readonly<Record<string, readonly string[]>>;
}

/** Whether the token's version is already AWSCURRENT (the rotation finished), and which version is. */
export async function versionState(secrets: AwsJsonClient, secretId: string, token: string) {
  const secret = (await secrets.call('DescribeSecret', { SecretId: secretId })) as SecretDescription;
  if (!secret.RotationEnabled) throw new SecretRotationRefused('Rotation is not enabled for this secret.');
  const versions = Object.entries(secret.VersionIdsToStages ?? {});
  const stages = versions.find(([id]) => id === token)?.[1];
  if (stages === undefined)
    throw new SecretRotationRefused('The ClientRequestToken is not a version of this secret.');
  const alreadyCurrent = stages.includes(CURRENT);
  if (!alreadyCurrent && !stages.includes(PENDING))
    throw new SecretRotationRefused('The version to rotate to is not staged as AWSPENDING.');
  return { alreadyCurrent, currentVersion: versions.find(([, staged]) => staged.includes(CURRENT))?.[0] };
}

/** A pending version for the token, unless there is one: the current secret with a fresh 32-byte key. */
async function createSecret(
  { secrets }: SecretRotationDeps,
  secretId: string,
  token: string,
  boundZone: string,
): Promise<StepResult> {
  const current = await readSecret(secrets, { SecretId: secretId, VersionStage: CURRENT });
  const zone = v.safeParse(v.object({ ZoneId: ROTATION_FIELDS.ZoneId }, 'ZoneId is required.'), current);
  if (!zone.success) throw new SecretRotationRefused(`The current secret's ${zone.issues[0].message}`);
  checkBoundZone(zone.output.ZoneId, boundZone, 'current');
  try {
    await secrets.call('GetSecretValue', { SecretId: secretId, VersionId: token, VersionStage: PENDING });
    return {};
  } catch (error) {
    // Only "no such version" means there is none yet; any other failure is a failure.
    if (!(error instanceof AwsError && error.code === 'ResourceNotFoundException')) throw error;
  }
  const SecretString = JSON.stringify({ ...current, SecretKey: randomBytes(32).toString('base64') });
  // Staged AWSPENDING explicitly: without VersionStages, AWS would make the new version AWSCURRENT at once, before
  // TEO has the key.
  await secrets.call('PutSecretValue', {
    SecretId: secretId,
    ClientRequestToken: token,
    SecretString,
    VersionStages: [PENDING],
  });
  return {};
}

async function testSecret(
  deps: SecretRotationDeps,
  secretId: string,
  token: string,
  boundZone: string,
  run: RotationRun,
) {
  const rotation = await pendingRotation(deps, secretId, token, boundZone);
  const { live } = await isRequestedKeyLive(rotation, deps.teo, run);
  if (!live)
    throw new SecretRotationRefused(
      "TEO's key for the zone is not the pending one: setSecret has not taken effect.",
    );
  return { rotation };
}

/** AWSCURRENT moves to the token's version; the version losing it becomes AWSPREVIOUS. */
async function finishSecret(
  secrets: AwsJsonClient,
  secretId: string,
  token: string,
  currentVersion: string | undefined,
): Promise<StepResult> {
  await secrets.call('UpdateSecretVersionStage', {
    SecretId: secretId,
    VersionStage: CURRENT,
    MoveToVersionId: token,
    // Left out of the JSON when no version is AWSCURRENT.
    RemoveFromVersionId: currentVersion,
  });
  return {};
}

async function pendingRotation(
  { secrets }: SecretRotationDeps,
  secretId: string,
  token: string,
  boundZone: string,
) {
  const pending = await readSecret(secrets, { SecretId: secretId, VersionId: token, VersionStage: PENDING });
  const fields = v.safeParse(v.object(ROTATION_FIELDS, 'ZoneId and SecretKey are required.'), pending);
  if (!fields.success) throw new SecretRotationRefused(`The pending secret's ${fields.issues[0].message}`);
  checkBoundZone(fields.output.ZoneId, boundZone, 'pending');
  return { zoneId: fields.output.ZoneId, secretKey: fields.output.SecretKey };
}

/** The secret's JSON object; its values are never quoted in an error. */
async function readSecret(
  secrets: AwsJsonClient,
  version: { readonly SecretId: string; readonly VersionId?: string; readonly VersionStage: string },
) {
  const document = parseJsonObject((await secrets.call('GetSecretValue', version)).SecretString);
  if (document) return document;
  throw new SecretRotationRefused('The secret is not a JSON object with ZoneId (and SecretKey).');
}
