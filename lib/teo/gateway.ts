import type { RotationRequest } from '#lib/validation/rotation-request.ts';

/** What the rotation needs from TEO; the Tencent Cloud adapter implements it, tests point it at loopback. */
export interface TeoGateway {
  /**
   * Sets the zone's key; resolves to TEO's RequestId, rejects with TeoRefused or TeoUnreachable. Each call ends by
   * TEO_TIMEOUT_MS or `deadline` (epoch ms), whichever comes first.
   */
  modifySecretKey(rotation: RotationRequest, deadline: number): Promise<string>;
  /** The zone's current key, to settle an attempt whose outcome is unknown. It must never reach a log. */
  describeSecretKey(zoneId: string, deadline: number): Promise<{ secretKey: string; requestId: string }>;
}
