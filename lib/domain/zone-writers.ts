// docs/contract.md §3: each zone has exactly one writer: the HTTP callers granted it, its Secrets Manager rotation
// secret, or one sync binding. Who writes a zone, as the configuration names them (lib/handlers/config/zone-writers.ts).
import type { Binding, SecretLocation } from '#lib/domain/sync/binding.ts';

export interface ZoneWriters {
  /** The sync bindings: each writes its zone. */
  readonly bindings: readonly Binding[];
  /** The zones the Secrets Manager rotation writes, each through the secret `<secretPrefix><ZoneId>`. */
  readonly secretsManagerZones: ReadonlySet<string>;
  readonly secretPrefix: string;
}

/** Who writes a zone other than the HTTP callers, for a refusal that says which owner to use instead. */
export type ZoneWriter =
  | { readonly kind: 'sync'; readonly source: SecretLocation }
  | { readonly kind: 'secrets-manager'; readonly secretName: string };

/** The zone's writer, when it is not the HTTP callers. */
export function writerOf(writers: ZoneWriters, zoneId: string): ZoneWriter | undefined {
  const binding = writers.bindings.find((bound) => bound.zoneId === zoneId);
  if (binding) return { kind: 'sync', source: binding.source };
  if (writers.secretsManagerZones.has(zoneId)) {
    return { kind: 'secrets-manager', secretName: `${writers.secretPrefix}${zoneId}` };
  }
  return undefined;
}
