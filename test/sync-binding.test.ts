// One binding's sync (docs/contract.md §8) with the manager's answers scripted, against the TEO emulator: how long a
// value that keeps changing is followed, a value that goes back to an earlier one, keys of another length.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseTeoEndpoint, type TeoEndpoint } from '#lib/adapters/teo/endpoint.ts';
import { createTencentCloudGateway } from '#lib/adapters/teo/tencent-cloud-gateway.ts';
import { createInMemoryLedger } from '#lib/domain/ledger/in-memory-ledger.ts';
import type { RotationLedger } from '#lib/domain/ledger/rotation-ledger.ts';
import { systemClock } from '#lib/domain/retry.ts';
import type { SecretValue } from '#lib/domain/sync/secret-source.ts';
import { syncBinding } from '#lib/domain/sync/sync-binding.ts';
import { runOf } from '#lib/handlers/invocation.ts';
import { startTeoEmulator, type TeoEmulator } from '../emulator/teo-emulator.ts';
import { lambdaContext } from './support/events.ts';
import {
  FAST_RETRY,
  fingerprint,
  OLD_KEY,
  TENCENT_SECRET_ID,
  TENCENT_SECRET_KEY,
  ZONE,
} from './support/fake-config.ts';

const MODIFY = 'ModifyMultiPathGatewaySecretKey';
const SOURCE = {
  kind: 'aws-secrets-manager',
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf',
} as const;

let teo: TeoEmulator;
let ledger: RotationLedger;
beforeAll(async () => {
  teo = await startTeoEmulator({
    credentials: { [TENCENT_SECRET_ID]: TENCENT_SECRET_KEY },
    zones: { [ZONE]: OLD_KEY },
    rateLimitPerSecond: Number.POSITIVE_INFINITY,
  });
});
afterAll(() => teo.close());
beforeEach(() => {
  ledger = createInMemoryLedger();
  teo.calls.length = 0;
});

const gateway = () =>
  createTencentCloudGateway(
    {
      endpoint: parseTeoEndpoint(teo.url) as TeoEndpoint,
      timeoutMs: 2000,
      credentials: { secretId: TENCENT_SECRET_ID, secretKey: TENCENT_SECRET_KEY },
    },
    systemClock,
  );
const keyOf = (bytes = 32) => randomBytes(bytes).toString('base64');
const modifies = () => teo.calls.filter((call) => call.action === MODIFY).length;

/** A sync whose manager answers each read with the next of `reads` (the last one again once they run out). */
function sync(...reads: SecretValue[]) {
  let count = 0;
  return {
    done: syncWith(async () => reads[Math.min(count++, reads.length - 1)] as SecretValue),
    reads: () => count,
  };
}

function syncWith(read: () => Promise<SecretValue>) {
  const run = runOf(
    lambdaContext(),
    { teoAttempts: 0, teoLatenciesMs: [], ledgerFailures: [] },
    { firstSeen: Date.now(), by: 'sync', fingerprint },
    systemClock,
  );
  return syncBinding(
    { zoneId: ZONE, source: SOURCE },
    { teo: gateway(), ledger, readers: { read }, retry: FAST_RETRY },
    run,
  );
}

describe('syncBinding', () => {
  it('sends one Modify, not one per read, when the value keeps changing; then leaves it to the next notification', async () => {
    const values = Array.from({ length: 6 }, () => ({ value: keyOf() }));
    const { done, reads } = sync(...values);

    await expect(done).rejects.toThrow(
      'The bound secret changed while TEO was being set: TEO holds the value read first; the next notification, or the schedule, will sync the new one',
    );
    expect([reads(), modifies()]).toEqual([2, 1]);
    expect(teo.zoneKey(ZONE)).toBe(values[0]?.value);
  });

  it('syncs a key of another length than the one TEO holds', async () => {
    const key = keyOf(48);

    await expect(sync({ value: key }).done).resolves.toMatchObject({ outcome: 'synced' });
    expect(teo.zoneKey(ZONE)).toBe(key);
  });

  it('applies an earlier value again when the source goes back to it: no version is compared, only values', async () => {
    const [earlier, later] = [keyOf(), keyOf()];
    await sync({ value: earlier }).done;
    await sync({ value: later }).done;

    await expect(sync({ value: earlier }).done).resolves.toMatchObject({ outcome: 'synced' });
    expect(teo.zoneKey(ZONE)).toBe(earlier);
  });

  it('puts back the source’s value when TEO’s key was changed behind the binding', async () => {
    const applied = keyOf();
    await sync({ value: applied }).done;
    await gateway().writeSecretKey('Modify', { zoneId: ZONE, secretKey: keyOf() }, Date.now() + 2000);

    await expect(sync({ value: applied }).done).resolves.toMatchObject({ outcome: 'synced' });
    expect(teo.zoneKey(ZONE)).toBe(applied);
  });
});
