// One binding's sync (docs/contract.md §8) with the value it was read as, against the TEO emulator: a value that goes
// back to an earlier one, keys of another length, a key changed behind the binding; and what the secret read again
// after the sync says of it.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseTeoEndpoint, type TeoEndpoint } from '#lib/adapters/teo/endpoint.ts';
import { createTencentCloudGateway } from '#lib/adapters/teo/tencent-cloud-gateway.ts';
import { createInMemoryLedger } from '#lib/domain/ledger/in-memory-ledger.ts';
import type { RotationLedger } from '#lib/domain/ledger/rotation-ledger.ts';
import { systemClock } from '#lib/domain/retry.ts';
import { SourceThrottled, SourceUnavailable } from '#lib/domain/sync/secret-source.ts';
import { changedDuringSync, syncBinding } from '#lib/domain/sync/sync-binding.ts';
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

/** A sync of the binding to the value its secret was read as. */
function sync(value: string) {
  const run = runOf(
    lambdaContext(),
    { teoAttempts: 0, teoLatenciesMs: [], ledgerFailures: [] },
    { firstSeen: Date.now(), by: 'sync', fingerprint },
    systemClock,
  );
  return syncBinding(
    { zoneId: ZONE, source: SOURCE },
    value,
    { teo: gateway(), ledger, retry: FAST_RETRY },
    run,
  );
}

describe('syncBinding', () => {
  it('syncs a key of another length than the one TEO holds', async () => {
    const key = keyOf(48);

    await expect(sync(key)).resolves.toMatchObject({ outcome: 'synced' });
    expect(teo.zoneKey(ZONE)).toBe(key);
  });

  it('applies an earlier value again when the source goes back to it: no version is compared, only values', async () => {
    const [earlier, later] = [keyOf(), keyOf()];
    await sync(earlier);
    await sync(later);

    await expect(sync(earlier)).resolves.toMatchObject({ outcome: 'synced' });
    expect(teo.zoneKey(ZONE)).toBe(earlier);
  });

  it('puts back the source’s value when TEO’s key was changed behind the binding', async () => {
    const applied = keyOf();
    await sync(applied);
    await gateway().writeSecretKey('Modify', { zoneId: ZONE, secretKey: keyOf() }, Date.now() + 2000);

    await expect(sync(applied)).resolves.toMatchObject({ outcome: 'synced' });
    expect(teo.zoneKey(ZONE)).toBe(applied);
  });
});

describe('changedDuringSync', () => {
  const synced = keyOf();

  it('passes the value read again unchanged', () => {
    expect(changedDuringSync(synced, { value: synced })).toBeUndefined();
  });

  it('fails a value that changed: TEO holds the one read first, and the change is left to its own notification', () => {
    expect(changedDuringSync(synced, { value: keyOf() })).toEqual(
      new SourceUnavailable(
        'The bound secret changed while TEO was being set: TEO holds the value read first; the next notification, or the schedule, will sync the new one',
      ),
    );
  });

  it('fails with the reason the value could not be read again, unless that was the rate limit', () => {
    const down = new SourceUnavailable('Doppler answered HTTP 503');

    expect(changedDuringSync(synced, down)).toBe(down);
    expect(changedDuringSync(synced, new SourceThrottled('Doppler answered HTTP 429', 1000))).toBeUndefined();
  });
});
