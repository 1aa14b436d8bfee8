import type { RotationRequest } from '#lib/rotation-request.ts';

/** What the rotation needs from TEO; the Tencent Cloud adapter implements it, tests point it at loopback. */
export interface TeoGateway {
  /** Sets the zone's key; resolves to TEO's RequestId, rejects with TeoRefused or TeoUnreachable. */
  modifySecretKey(rotation: RotationRequest, signal: AbortSignal): Promise<string>;
  /** The zone's current key, to settle an attempt whose outcome is unknown. It must never reach a log. */
  describeSecretKey(zoneId: string, signal: AbortSignal): Promise<{ secretKey: string; requestId: string }>;
}
