// What every function sets up from its configuration, in one place: the ledger and the event bus once for the
// life of the instance, TEO's client again whenever the configuration (its credentials) changes.

import type { AwsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { eventBridgeEvents, type RotationEvents } from '#lib/adapters/aws/rotation-events.ts';
import { createTencentCloudGateway } from '#lib/adapters/teo/tencent-cloud-gateway.ts';
import type { RotationLedger } from '#lib/domain/ledger/rotation-ledger.ts';
import type { Clock } from '#lib/domain/retry.ts';
import type { TeoGateway } from '#lib/domain/teo-gateway.ts';
import { configuredLedger } from '#lib/handlers/config/configured-ledger.ts';
import type { TeoAccess } from '#lib/handlers/config/teo-access.ts';

export interface SetupOptions {
  /** Defaults to the configured one: DynamoDB with ROTATOR_TABLE, else in memory. */
  readonly ledger?: RotationLedger;
  /** Defaults to EventBridge with ROTATOR_EVENT_BUS, else none. */
  readonly events?: RotationEvents;
  /** Keyless (TENCENT_AUTH=oidc): AWS STS as the function's role; defaults to its Region's. */
  readonly sts?: AwsJsonClient;
}

export interface Setup<C extends TeoAccess> {
  readonly config: C;
  readonly ledger: RotationLedger;
  /** Undefined when no bus is configured (local runs): there is no one to tell. */
  readonly events: RotationEvents | undefined;
  readonly teo: TeoGateway;
}

/** A set-up per configuration, remade only when the configuration is another one; `clock` bounds TEO's attempts. */
export function functionSetup<C extends TeoAccess>(
  options: SetupOptions & { readonly clock: Clock },
): (config: C) => Setup<C> {
  let ledger = options.ledger;
  let events = options.events;
  let last: Setup<C> | undefined;
  return (config) => {
    if (last?.config !== config) {
      ledger ??= configuredLedger(config.table);
      events ??= config.eventBus === undefined ? undefined : eventBridgeEvents(config.eventBus);
      const teo = createTencentCloudGateway(config.teo, options.clock, options.sts && { sts: options.sts });
      last = { config, ledger, events, teo };
    }
    return last;
  };
}
