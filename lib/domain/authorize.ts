// docs/contract.md §4: an authenticated caller acts only on the zones its entry grants, and rotates only the zones
// no other writer owns (§3).

import { type Caller, mayRotate } from '#lib/domain/caller.ts';
import { CallerNotAuthorized, RotationConflict } from '#lib/domain/errors.ts';
import type { SecretLocation } from '#lib/domain/sync/binding.ts';
import { writerOf, type ZoneWriter, type ZoneWriters } from '#lib/domain/zone-writers.ts';

export function authorize(caller: Caller, zoneId: string): void {
  if (!mayRotate(caller, zoneId)) throw new CallerNotAuthorized('This caller may not act on this zone.');
}

/** A rotation (or its rehearsal) of a zone: granted, and not one another writer owns. */
export function authorizeRotation(caller: Caller, zoneId: string, writers: ZoneWriters): void {
  authorize(caller, zoneId);
  const writer = writerOf(writers, zoneId);
  if (writer) throw ownedElsewhere(writer);
}

/** The refusal names the owner to use instead: where the zone's key is changed. */
function ownedElsewhere(writer: ZoneWriter): RotationConflict {
  if (writer.kind === 'secrets-manager') {
    return new RotationConflict(
      'ZoneOwnedBySecretsManagerRotation',
      `This zone's key is written by the Secrets Manager rotation of the secret ${writer.secretName}: rotate that secret instead. Nothing was changed.`,
    );
  }
  return new RotationConflict(
    'ZoneOwnedBySync',
    `This zone's key follows ${describeSource(writer.source)}: change the secret there, and sync applies it. Nothing was changed.`,
  );
}

const describeSource = (source: SecretLocation) => {
  switch (source.kind) {
    case 'aws-secrets-manager':
      return `the Secrets Manager secret ${source.secretArn}${source.field ? ` (field ${source.field})` : ''}`;
    case 'doppler':
      return `the Doppler secret ${source.name} of ${source.project}/${source.config}`;
    case 'infisical':
      return `the Infisical secret ${source.name} at ${source.secretPath} in ${source.projectId}/${source.environment}`;
  }
};
