// docs/contract.md §6: after every applied rotation, one event on EventBridge, so that automation can push the new
// key to the gateways or page the zone's owner. It never carries the key, and failing to publish it never turns a
// rotation into a failure: the rotation happened, and the audit line and a metric say the event did not.
import { type AwsJsonClient, awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';

export const EVENT_SOURCE = 'teo-key-rotator';
export const EVENT_DETAIL_TYPE = 'Gateway Key Rotated';

/** What set the key: an HTTP caller, Secrets Manager's rotation schedule, or a sync from a secrets manager. */
export type Trigger = 'http' | 'secretsmanager-rotation' | 'sync';

/** What an event tells of an applied key: its zone and fingerprint, never the key. */
export interface AppliedKey {
  readonly zoneId: string;
  readonly keyFingerprint: string;
  readonly requestId: string;
  readonly caller: string;
  readonly trigger: Trigger;
}

export interface RotationEvents {
  /** True once EventBridge accepted the event; false when it could not be published (never throws). */
  announce(applied: AppliedKey): Promise<boolean>;
}

export function eventBridgeEvents(
  bus: string,
  client: AwsJsonClient = awsJsonClient('events'),
): RotationEvents {
  return {
    async announce({ zoneId, keyFingerprint, requestId, caller, trigger }) {
      const detail = {
        ZoneId: zoneId,
        KeyFingerprint: keyFingerprint,
        RequestId: requestId,
        Caller: caller,
        Trigger: trigger,
        At: new Date().toISOString(),
      };
      try {
        const { FailedEntryCount } = await client.call('PutEvents', {
          Entries: [
            {
              EventBusName: bus,
              Source: EVENT_SOURCE,
              DetailType: EVENT_DETAIL_TYPE,
              Detail: JSON.stringify(detail),
            },
          ],
        });
        return FailedEntryCount === 0;
      } catch {
        return false;
      }
    },
  };
}
