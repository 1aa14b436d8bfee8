import type { RotationRequest } from '#lib/domain/rotation-request.ts';

/**
 * The two calls that set a zone's key (docs/contract.md §1): Modify replaces the key a zone has, Create sets the first
 * key of a zone that has none. Which one a zone needs is decided by what Describe shows (lib/domain/rotation/send-key.ts).
 */
export type KeyWrite = 'Modify' | 'Create';

/** TEO's name of each call, as it appears in X-TC-Action, in errors and in the contract. */
export const TEO_ACTION = {
  Modify: 'ModifyMultiPathGatewaySecretKey',
  Create: 'CreateMultiPathGatewaySecretKey',
  Describe: 'DescribeMultiPathGatewaySecretKey',
} as const;

export type TeoAction = (typeof TEO_ACTION)[keyof typeof TEO_ACTION];

/** What Describe shows of a zone. */
export interface ZoneKey {
  /** The zone's live key, or undefined when the zone has no key yet. It must never reach a log. */
  readonly secretKey: string | undefined;
  readonly requestId: string;
}

/** What the rotation needs from TEO; the Tencent Cloud adapter implements it, tests point it at loopback. */
export interface TeoGateway {
  /**
   * Sets the zone's key by `write`; resolves to TEO's RequestId, rejects with TeoRefused or TeoUnreachable. Each call
   * ends by TEO_TIMEOUT_MS or `deadline` (epoch ms), whichever comes first.
   */
  writeSecretKey(write: KeyWrite, rotation: RotationRequest, deadline: number): Promise<string>;
  /** The zone's current key, if it has one: to settle an attempt whose outcome is unknown, and to choose the write. */
  describeSecretKey(zoneId: string, deadline: number): Promise<ZoneKey>;
}
