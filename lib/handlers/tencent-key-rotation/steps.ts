// docs/contract.md §3, where keyless is not possible: the functions' Tencent key pair rotates itself, as a Secrets
// Manager rotation of a function's own secret (its TENCENTCLOUD_* fields; every other field kept). CAM allows two
// keys a user, so each step is written around that, and each is idempotent for a repeated invocation:
//   createSecret  the user's keys, listed with the current pair: an Inactive one (the previous rotation's old key)
//                 or one this rotation made before and lost is deleted; then CreateAccessKey, put AWSPENDING;
//   setSecret     nothing to push: a key is live once created;
//   testSecret    a Describe of the test zone, signed with the pending pair;
//   finishSecret  AWSCURRENT moves to the new pair, then the old one is made Inactive (deleted at the next rotation:
//                 until then it can be made Active again, by hand, if something still needs it).
import { AwsError, type AwsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import type { Cam } from '#lib/adapters/teo/cam.ts';
import type { TencentCredentials } from '#lib/adapters/teo/teo-settings.ts';
import { SecretRotationRefused } from '#lib/domain/errors.ts';
import { parseJsonObject } from '#lib/domain/json-object.ts';
import { type RotationStep, versionState } from '#lib/handlers/secrets-manager/rotation-steps.ts';

const CURRENT = 'AWSCURRENT';
const PENDING = 'AWSPENDING';
const PREVIOUS = 'AWSPREVIOUS';
/** Marks the keys the rotation makes, with the rotation's token: one it made and lost is known again. */
const MADE_BY = 'teo-key-rotator';

export interface KeyRotationDeps {
  readonly secrets: AwsJsonClient;
  /** CAM's access-key actions, signed with a pair (acting on its own user). */
  readonly cam: (credentials: TencentCredentials) => Cam;
  /** A Describe of the test zone, signed with a pair; it rejects when TEO refuses the pair. */
  readonly probe: (credentials: TencentCredentials) => Promise<void>;
}

export interface KeyStepResult {
  readonly alreadyCurrent?: true;
  /** Keys the step deleted: an Inactive one, or one it made before and lost. */
  readonly deleted?: number;
  readonly deactivated?: true;
}

export async function runKeyRotationStep(
  { step, secretId, token }: { step: RotationStep; secretId: string; token: string },
  deps: KeyRotationDeps,
): Promise<KeyStepResult> {
  const { alreadyCurrent, currentVersion } = await versionState(deps.secrets, secretId, token);
  // A finish repeated after AWSCURRENT moved still makes sure the old pair is Inactive.
  if (alreadyCurrent && step !== 'finishSecret') return { alreadyCurrent: true };
  switch (step) {
    case 'createSecret':
      return createSecret(deps, secretId, token);
    case 'setSecret':
      return {};
    case 'testSecret':
      await deps.probe(
        await pairOf(deps.secrets, { SecretId: secretId, VersionId: token, VersionStage: PENDING }),
      );
      return {};
    case 'finishSecret':
      return finishSecret(deps, secretId, token, alreadyCurrent ? undefined : currentVersion);
  }
}

async function createSecret(deps: KeyRotationDeps, secretId: string, token: string): Promise<KeyStepResult> {
  const { secrets } = deps;
  const current = await documentOf(secrets, { SecretId: secretId, VersionStage: CURRENT });
  const pair = credentialsIn(current, 'current');
  try {
    await secrets.call('GetSecretValue', { SecretId: secretId, VersionId: token, VersionStage: PENDING });
    return {};
  } catch (error) {
    if (!(error instanceof AwsError && error.code === 'ResourceNotFoundException')) throw error;
  }
  const cam = deps.cam(pair);
  const others = (await cam.list()).filter(({ accessKeyId }) => accessKeyId !== pair.secretId);
  // Another Active key the rotation did not make may be in use elsewhere: never deleted for room.
  if (others.some(({ status, description }) => status === 'Active' && !description.startsWith(MADE_BY))) {
    throw new SecretRotationRefused(
      'The user has another Active key the rotation did not make: deactivate or delete it by hand (CAM allows two), then rotate again.',
    );
  }
  for (const { accessKeyId } of others) await cam.remove(accessKeyId);
  const made = await cam.create(`${MADE_BY} ${token}`);
  await secrets.call('PutSecretValue', {
    SecretId: secretId,
    ClientRequestToken: token,
    SecretString: JSON.stringify({
      ...current,
      TENCENTCLOUD_SECRET_ID: made.accessKeyId,
      TENCENTCLOUD_SECRET_KEY: made.secretAccessKey,
    }),
    VersionStages: [PENDING],
  });
  return { deleted: others.length };
}

async function finishSecret(
  deps: KeyRotationDeps,
  secretId: string,
  token: string,
  currentVersion: string | undefined,
): Promise<KeyStepResult> {
  const { secrets } = deps;
  // The pair losing AWSCURRENT now, or (the stage already moved) the one that lost it.
  const old = await pairOf(
    secrets,
    currentVersion === undefined
      ? { SecretId: secretId, VersionStage: PREVIOUS }
      : { SecretId: secretId, VersionId: currentVersion, VersionStage: CURRENT },
  );
  if (currentVersion !== undefined) {
    await secrets.call('UpdateSecretVersionStage', {
      SecretId: secretId,
      VersionStage: CURRENT,
      MoveToVersionId: token,
      RemoveFromVersionId: currentVersion,
    });
  }
  const fresh = await pairOf(secrets, { SecretId: secretId, VersionId: token, VersionStage: CURRENT });
  if (old.secretId !== fresh.secretId) await deps.cam(fresh).setStatus(old.secretId, 'Inactive');
  return { deactivated: true, ...(currentVersion === undefined && { alreadyCurrent: true as const }) };
}

async function documentOf(
  secrets: AwsJsonClient,
  version: { readonly SecretId: string; readonly VersionId?: string; readonly VersionStage: string },
) {
  const document = parseJsonObject((await secrets.call('GetSecretValue', version)).SecretString);
  if (document === undefined) throw new SecretRotationRefused('The secret is not a JSON object.');
  return document;
}

const pairOf = async (
  secrets: AwsJsonClient,
  version: { readonly SecretId: string; readonly VersionId?: string; readonly VersionStage: string },
) =>
  credentialsIn(await documentOf(secrets, version), version.VersionStage === PENDING ? 'pending' : 'current');

/** The secret's key pair; never quoted in an error. */
function credentialsIn(document: Record<string, unknown>, which: string): TencentCredentials {
  const { TENCENTCLOUD_SECRET_ID: secretId, TENCENTCLOUD_SECRET_KEY: secretKey } = document;
  if (typeof secretId !== 'string' || typeof secretKey !== 'string' || !secretId || !secretKey) {
    throw new SecretRotationRefused(
      `The ${which} secret holds no TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY to rotate.`,
    );
  }
  return { secretId, secretKey };
}
