// What a zone id is, wherever one arrives: a request body or path, ROTATOR_CLIENTS, ROTATOR_SM_ZONES, a sync
// binding, a Secrets Manager secret. TEO's zone ids are `zone-` and a lower-case alphanumeric id.
export const ZONE_ID_PATTERN = /^zone-[a-z0-9]{1,64}$/;

/** The rule as every message states it. */
export const ZONE_ID_RULE = "'zone-' followed by 1 to 64 lower-case letters or digits";

export const isZoneId = (text: string) => ZONE_ID_PATTERN.test(text);
