// A caller of the rotate function (docs/contract.md §4): its name, the zones it may act on, and the one credential
// that identifies it. Parsed from ROTATOR_CLIENTS by lib/handlers/config/callers.ts; checked by lib/auth/.
import type { IamPrincipal } from '#lib/domain/iam-principal.ts';

export type CallerCredential =
  | { readonly kind: 'bearer'; readonly tokenDigests: readonly Buffer[] }
  | { readonly kind: 'webhook'; readonly keys: readonly Buffer[] }
  | { readonly kind: 'iam'; readonly principals: readonly IamPrincipal[] };

export type AuthKind = CallerCredential['kind'];

/** The zones one may rotate; `'*'` grants every zone. */
export type ZoneGrant = '*' | ReadonlySet<string>;

export interface Caller {
  readonly name: string;
  readonly zones: ZoneGrant;
  readonly credential: CallerCredential;
}

export const isGranted = (grant: ZoneGrant, zoneId: string) => grant === '*' || grant.has(zoneId);

export const mayRotate = (caller: Caller, zoneId: string) => isGranted(caller.zones, zoneId);
