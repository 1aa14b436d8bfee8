// The first stage of every request: the configuration to serve it with. docs/contract.md §3: when it is invalid,
// every request is refused before anything about it is looked at.
import type { MiddlewareObj } from '@middy/core';
import type { Caller } from '#lib/callers.ts';
import type { RotatorConfig } from '#lib/config.ts';
import type { ConfigSource } from '#lib/config-source.ts';
import { ConfigurationInvalid } from '#lib/errors.ts';
import type { RotateEvent } from '#lib/http/request.ts';
import type { HttpResponse } from '#lib/http/responses.ts';
import type { RotationLedger } from '#lib/ledger/rotation-ledger.ts';
import type { RotateContext } from '#lib/request-record.ts';
import type { RotationEvents } from '#lib/rotation/rotation-events.ts';
import type { TeoGateway } from '#lib/teo/gateway.ts';

/** What one configuration sets up, once: TEO's client with its credentials, the callers, the ledger, the events. */
export interface RotatorSetup {
  readonly config: RotatorConfig;
  readonly callers: readonly Caller[];
  readonly ledger: RotationLedger;
  readonly events: RotationEvents;
  readonly teo: TeoGateway;
}

export const configure = (
  source: ConfigSource<RotatorConfig>,
  setupFor: (config: RotatorConfig) => RotatorSetup,
): MiddlewareObj<RotateEvent, HttpResponse, Error, RotateContext> => ({
  before: async ({ context }) => {
    const loaded = await source.current();
    if (!loaded.ok) throw new ConfigurationInvalid(loaded.problems);
    context.rotator.setup = setupFor(loaded.config);
  },
});
