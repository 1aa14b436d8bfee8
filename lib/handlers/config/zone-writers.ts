// docs/contract.md §3: each zone has exactly one writer: the HTTP callers granted it, its Secrets Manager rotation
// secret, or one sync binding. Two writers would undo each other (an emergency rotation put back by the next
// reconcile). Every function reads the two lists that hold no secret, ROTATOR_SM_ZONES and ROTATOR_SYNC_BINDINGS,
// so each refuses at load what it can see would give a zone a second writer, and the HTTP function refuses, at
// request time, a rotation of a zone another writer owns.

import { isZoneId, ZONE_ID_RULE } from '#lib/domain/zone-id.ts';
import type { ZoneWriter, ZoneWriters } from '#lib/domain/zone-writers.ts';
import { parseBindings } from '#lib/handlers/config/bindings.ts';
import { allOf, invalid, type Loaded, valid } from '#lib/handlers/config/loaded.ts';
import type { Environment } from '#lib/handlers/config/teo-access.ts';

const DEFAULT_SECRET_PREFIX = 'teo-key-rotator/zones/';

/** The writers the environment names; either list may be unset (none of that kind). */
export function readZoneWriters(env: Environment): Loaded<ZoneWriters> {
  const parts = allOf({
    bindings: env.ROTATOR_SYNC_BINDINGS?.trim() ? parseBindings(env.ROTATOR_SYNC_BINDINGS) : valid([]),
    secretsManagerZones: secretsManagerZonesOf(env.ROTATOR_SM_ZONES),
    secretPrefix: prefixOf(env.ROTATOR_SM_SECRET_PREFIX || DEFAULT_SECRET_PREFIX),
  });
  if (!parts.ok) return parts;
  const { bindings, secretsManagerZones } = parts.config;
  const both = bindings.filter(({ zoneId }) => secretsManagerZones.has(zoneId));
  if (both.length > 0) {
    return invalid(
      ...both.map(
        ({ zoneId }) =>
          `the zone ${zoneId} is bound in ROTATOR_SYNC_BINDINGS and listed in ROTATOR_SM_ZONES: each zone has one writer`,
      ),
    );
  }
  return parts;
}

/** Which variable makes a writer of the zone, for a problem found at load. */
export const writerVariable = ({ kind }: ZoneWriter) =>
  kind === 'sync' ? 'ROTATOR_SYNC_BINDINGS' : 'ROTATOR_SM_ZONES';

function secretsManagerZonesOf(raw: string | undefined): Loaded<ReadonlySet<string>> {
  if (raw === undefined || raw.trim() === '') return valid(new Set());
  const zones = raw.split(',').map((zone) => zone.trim());
  // Named zones only: `*` (no zone id) would make the Secrets Manager rotation the writer of every zone, the HTTP
  // callers' included.
  if (!zones.every(isZoneId)) {
    return invalid(
      `ROTATOR_SM_ZONES must be a comma-separated list of zone ids (${ZONE_ID_RULE}): each zone has one writer, so the zones the Secrets Manager rotation writes are named`,
    );
  }
  return valid(new Set(zones));
}

const prefixOf = (prefix: string): Loaded<string> =>
  /^[A-Za-z0-9/_+=.@-]{1,256}$/.test(prefix)
    ? valid(prefix)
    : invalid('ROTATOR_SM_SECRET_PREFIX must be a secret name prefix: letters, digits and /_+=.@-');
