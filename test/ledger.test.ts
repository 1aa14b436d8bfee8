// The same behaviour from both ledger adapters: in memory, and DynamoDB semantics through a real dynalite server.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDynamoDbLedger } from '#lib/adapters/aws/dynamodb-ledger.ts';
import { createInMemoryLedger } from '#lib/domain/ledger/in-memory-ledger.ts';
import type { RotationLedger } from '#lib/domain/ledger/rotation-ledger.ts';
import { type LocalDynamoDb, startDynalite } from './support/dynalite.ts';

let dynamo: LocalDynamoDb;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.close());

let clock = 1_800_000_000_000;
const now = () => clock;
let run = 0;

const adapters: [string, () => Promise<RotationLedger>][] = [
  ['in memory', async () => createInMemoryLedger(now)],
  ['DynamoDB (dynalite)', async () => createDynamoDbLedger(dynamo.table, { client: dynamo.client, now })],
];

/** A claim leased for a second and remembered for a day. */
const terms = (leaseMs = 1000, keepMs = 86_400_000) => ({
  leaseUntil: clock + leaseMs,
  keepUntil: clock + keepMs,
});

const ANSWER = {
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"RequestId":"req-1"}',
};

describe.each(adapters)('the %s ledger', (_, create) => {
  let ledger: RotationLedger;
  let key: string;
  beforeEach(async () => {
    ledger = await create();
    // Keys of their own per test: the dynalite table is shared by the file.
    run += 1;
    key = `caller#msg_${run}`;
  });

  describe('requests', () => {
    it('lets the first claim of an id proceed, first seen now', async () => {
      expect(await ledger.claimRequest(key, 'digest-a', terms())).toEqual({ kind: 'new', firstSeen: clock });
    });

    it('tells a redelivery while the first is in flight that it is in flight', async () => {
      await ledger.claimRequest(key, 'digest-a', terms());

      expect(await ledger.claimRequest(key, 'digest-a', terms())).toEqual({ kind: 'in-flight' });
    });

    it('replays the kept answer to a redelivery with the same body', async () => {
      await ledger.claimRequest(key, 'digest-a', terms());
      await ledger.finishRequest(key, ANSWER, clock + 86_400_000);

      expect(await ledger.claimRequest(key, 'digest-a', terms())).toEqual({
        kind: 'replay',
        answer: ANSWER,
      });
    });

    it('refuses the same id with another body, in flight or finished', async () => {
      await ledger.claimRequest(key, 'digest-a', terms());
      expect(await ledger.claimRequest(key, 'digest-b', terms())).toEqual({ kind: 'mismatch' });

      await ledger.finishRequest(key, ANSWER, clock + 86_400_000);
      expect(await ledger.claimRequest(key, 'digest-b', terms())).toEqual({ kind: 'mismatch' });
    });

    it('reopens a claim finished without an answer: a redelivery runs again, still first seen when it was', async () => {
      const firstSeen = clock;
      await ledger.claimRequest(key, 'digest-a', terms());
      await ledger.finishRequest(key, undefined, clock + 86_400_000);
      clock += 60_000;

      expect(await ledger.claimRequest(key, 'digest-a', terms())).toEqual({ kind: 'new', firstSeen });
      expect(await ledger.claimRequest(key, 'digest-a', terms())).toEqual({ kind: 'in-flight' });
      expect(await ledger.claimRequest(key, 'digest-b', terms())).toEqual({ kind: 'mismatch' });
    });

    it('holds an in-flight claim until the instant its lease ends', async () => {
      const first = clock;
      await ledger.claimRequest(key, 'digest-a', terms(1000));
      clock += 1000;
      expect(await ledger.claimRequest(key, 'digest-a', terms())).toEqual({ kind: 'in-flight' });

      clock += 1;
      expect(await ledger.claimRequest(key, 'digest-a', terms())).toEqual({ kind: 'new', firstSeen: first });
    });

    it('lets a claim whose lease expired (a crashed invocation) be taken over with its body, first seen when it was', async () => {
      const firstSeen = clock;
      await ledger.claimRequest(key, 'digest-a', terms());
      clock += 1001;

      expect(await ledger.claimRequest(key, 'digest-b', terms())).toEqual({ kind: 'mismatch' });
      expect(await ledger.claimRequest(key, 'digest-a', terms())).toEqual({ kind: 'new', firstSeen });
    });

    it('forgets an id once it is past its keeping, and sees it anew', async () => {
      await ledger.claimRequest(key, 'digest-a', terms(1000, 5000));
      await ledger.finishRequest(key, undefined, clock + 5000);
      clock += 5001;

      expect(await ledger.claimRequest(key, 'digest-b', terms())).toEqual({ kind: 'new', firstSeen: clock });
    });

    it('keeps an answer until its retention ends, then forgets it', async () => {
      await ledger.claimRequest(key, 'digest-a', terms());
      await ledger.finishRequest(key, ANSWER, clock + 5000);
      clock += 5000;
      expect((await ledger.claimRequest(key, 'digest-a', terms())).kind).toBe('replay');

      clock += 1;
      expect(await ledger.claimRequest(key, 'digest-a', terms())).toEqual({ kind: 'new', firstSeen: clock });
    });

    it('does not let a late finish overwrite a kept answer', async () => {
      await ledger.claimRequest(key, 'digest-a', terms());
      await ledger.finishRequest(key, ANSWER, clock + 86_400_000);
      await ledger.finishRequest(key, { ...ANSWER, body: '{"RequestId":"other"}' }, clock + 86_400_000);
      await ledger.finishRequest(key, undefined, clock + 86_400_000);

      expect(await ledger.claimRequest(key, 'digest-a', terms())).toEqual({
        kind: 'replay',
        answer: ANSWER,
      });
    });

    it('ignores a finish for an id it does not hold (never claimed, or forgotten)', async () => {
      await ledger.finishRequest(key, ANSWER, clock + 86_400_000);

      expect(await ledger.claimRequest(key, 'digest-a', terms())).toEqual({ kind: 'new', firstSeen: clock });
    });

    it('lets exactly one of many simultaneous claims of one id proceed', async () => {
      const claims = await Promise.all(
        Array.from({ length: 12 }, () => ledger.claimRequest(key, 'digest-a', terms())),
      );

      expect(claims.filter((claim) => claim.kind === 'new')).toHaveLength(1);
      expect(claims.filter((claim) => claim.kind === 'in-flight')).toHaveLength(11);
    });
  });

  describe('zones', () => {
    let zone: string;
    beforeEach(() => {
      zone = `zone-test${run}`;
    });

    const lease = () => clock + 1000;
    const applied = (firstSeen: number, requestId: string) => ({
      firstSeen,
      at: firstSeen + 250,
      by: 'ops-cli',
      requestId,
      keyFingerprint: '0123456789abcdef',
    });

    it('lets one owner hold a zone and refuses the others until it is released', async () => {
      expect(await ledger.acquireZone(zone, 'first', lease())).toEqual({ fence: 0, lastApplied: undefined });
      expect(await ledger.acquireZone(zone, 'second', lease())).toBeUndefined();

      await ledger.releaseZone(zone, 'first');
      expect(await ledger.acquireZone(zone, 'second', lease())).toEqual({ fence: 0, lastApplied: undefined });
    });

    it('keeps the last applied rotation and its fence, with no expiry, for the next holder', async () => {
      await ledger.acquireZone(zone, 'first', lease());
      await ledger.releaseZone(zone, 'first', { fence: 500, applied: applied(500, 'req-1') });
      clock += 400 * 86_400_000;

      expect(await ledger.acquireZone(zone, 'second', lease())).toEqual({
        fence: 500,
        lastApplied: applied(500, 'req-1'),
      });
    });

    it('raises the fence for an unknown outcome without changing the applied rotation', async () => {
      await ledger.acquireZone(zone, 'first', lease());
      await ledger.releaseZone(zone, 'first', { fence: 500, applied: applied(500, 'req-1') });
      await ledger.acquireZone(zone, 'second', lease());
      await ledger.releaseZone(zone, 'second', { fence: 700 });

      expect(await ledger.acquireZone(zone, 'third', lease())).toEqual({
        fence: 700,
        lastApplied: applied(500, 'req-1'),
      });
    });

    it('never lowers the fence, even for a holder whose lease ran out', async () => {
      await ledger.acquireZone(zone, 'slow', lease());
      clock += 1001;
      await ledger.acquireZone(zone, 'fast', lease());
      await ledger.releaseZone(zone, 'fast', { fence: 900, applied: applied(900, 'req-fast') });
      await ledger.releaseZone(zone, 'slow', { fence: 800, applied: applied(800, 'req-slow') });

      expect(await ledger.acquireZone(zone, 'next', lease())).toEqual({
        fence: 900,
        lastApplied: applied(900, 'req-fast'),
      });
    });

    it('records the change of a holder whose lease ran out when nothing later is recorded', async () => {
      await ledger.acquireZone(zone, 'slow', lease());
      clock += 1001;
      await ledger.acquireZone(zone, 'other', lease());
      await ledger.releaseZone(zone, 'slow', { fence: 800, applied: applied(800, 'req-slow') });

      await ledger.releaseZone(zone, 'other');
      expect(await ledger.acquireZone(zone, 'next', lease())).toEqual({
        fence: 800,
        lastApplied: applied(800, 'req-slow'),
      });
    });

    it('records a change released for a zone no one holds any more, as for a holder whose lease ran out', async () => {
      await ledger.releaseZone(zone, 'long-gone', { fence: 300, applied: applied(300, 'req-gone') });

      expect(await ledger.acquireZone(zone, 'next', lease())).toEqual({
        fence: 300,
        lastApplied: applied(300, 'req-gone'),
      });
    });

    it('records what a change at the fence already in place applied (the request that raised it, delivered again)', async () => {
      await ledger.acquireZone(zone, 'first', lease());
      await ledger.releaseZone(zone, 'first', { fence: 500 });
      await ledger.acquireZone(zone, 'again', lease());
      await ledger.releaseZone(zone, 'again', { fence: 500, applied: applied(500, 'req-again') });

      expect(await ledger.acquireZone(zone, 'next', lease())).toEqual({
        fence: 500,
        lastApplied: applied(500, 'req-again'),
      });
    });

    it('records nothing for a release without a change of a zone no one holds', async () => {
      await ledger.releaseZone(zone, 'long-gone');

      expect(await ledger.acquireZone(zone, 'next', lease())).toEqual({ fence: 0, lastApplied: undefined });
    });

    it('ignores a release by someone who does not hold the zone', async () => {
      await ledger.acquireZone(zone, 'first', lease());
      await ledger.releaseZone(zone, 'second');

      expect(await ledger.acquireZone(zone, 'third', lease())).toBeUndefined();
    });

    it('frees a zone whose lease expired, so a crashed invocation cannot block it', async () => {
      await ledger.acquireZone(zone, 'crashed', lease());
      clock += 1000;
      expect(await ledger.acquireZone(zone, 'next', lease())).toBeUndefined();

      clock += 1;
      expect(await ledger.acquireZone(zone, 'next', lease())).toBeDefined();
    });

    it("tells the zone's last applied rotation, which only a change with one replaces", async () => {
      expect(await ledger.lastApplied(zone)).toBeUndefined();

      await ledger.acquireZone(zone, 'first', lease());
      await ledger.releaseZone(zone, 'first', { fence: 500, applied: applied(500, 'req-1') });
      expect(await ledger.lastApplied(zone)).toEqual(applied(500, 'req-1'));

      await ledger.acquireZone(zone, 'second', lease());
      await ledger.releaseZone(zone, 'second', { fence: 600 });
      expect(await ledger.lastApplied(zone)).toEqual(applied(500, 'req-1'));
      expect(await ledger.lastApplied(`${zone}x`)).toBeUndefined();
    });

    it('gives a zone to exactly one of many simultaneous owners', async () => {
      const taken = await Promise.all(
        Array.from({ length: 12 }, (_, i) => ledger.acquireZone(zone, `owner-${i}`, lease())),
      );

      expect(taken.filter((held) => held !== undefined)).toHaveLength(1);
    });

    it('counts the syncs of a zone that fail in a row, and starts again from the one that verifies', async () => {
      const failed = { verified: false, at: clock };

      const first = await ledger.recordSync(zone, failed);
      const second = await ledger.recordSync(zone, failed);
      const verified = await ledger.recordSync(zone, { verified: true, at: clock + 5 });
      const after = await ledger.recordSync(zone, { verified: false, at: clock + 9 });

      expect([first, second]).toEqual([
        { lastVerified: undefined, consecutiveFailures: 1 },
        { lastVerified: undefined, consecutiveFailures: 2 },
      ]);
      expect(verified).toEqual({ lastVerified: clock + 5, consecutiveFailures: 0 });
      expect(after).toEqual({ lastVerified: clock + 5, consecutiveFailures: 1 });
    });

    it('tells the sync health of many zones at once, leaving out those no sync has ended for', async () => {
      const zones = Array.from({ length: 150 }, (_, n) => `zone-many${run}x${n}`);
      // A zone the function rotated but no sync ended for has an item, and no health.
      await ledger.acquireZone(zones[0] ?? '', 'a', clock + 1000);
      await ledger.releaseZone(zones[0] ?? '', 'a', { fence: 1 });
      for (const [n, zoneId] of zones.entries()) {
        if (n % 3 !== 0) await ledger.recordSync(zoneId, { verified: n % 3 === 1, at: clock + n });
      }

      const health = await ledger.syncHealthOf(zones);

      expect(health.size).toBe(100);
      expect(health.get(zones[1] ?? '')).toEqual({ lastVerified: clock + 1, consecutiveFailures: 0 });
      expect(health.get(zones[149] ?? '')).toEqual({ lastVerified: undefined, consecutiveFailures: 1 });
      expect(health.has(zones[0] ?? '')).toBe(false);
    });

    it('keeps a zone’s sync health apart from its lease, fence and applied rotation', async () => {
      await ledger.acquireZone(zone, 'a', lease());
      await ledger.recordSync(zone, { verified: false, at: clock });

      await ledger.releaseZone(zone, 'a', { fence: 500, applied: applied(500, 'req-1') });

      expect(await ledger.recordSync(zone, { verified: false, at: clock })).toEqual({
        lastVerified: undefined,
        consecutiveFailures: 2,
      });
      expect(await ledger.lastApplied(zone)).toEqual(applied(500, 'req-1'));
      expect(await ledger.acquireZone(zone, 'b', lease())).toEqual({
        fence: 500,
        lastApplied: applied(500, 'req-1'),
      });
    });

    it('keeps zones apart', async () => {
      expect(await ledger.acquireZone(zone, 'first', lease())).toBeDefined();
      expect(await ledger.acquireZone(`${zone}x`, 'second', lease())).toBeDefined();
    });
  });
});

describe('the DynamoDB ledger, as stored', () => {
  const stored = async (pk: string) =>
    ((
      await dynamo.client.call('GetItem', {
        TableName: dynamo.table,
        Key: { pk: { S: pk } },
        ConsistentRead: true,
      })
    ).Item ?? {}) as Record<string, { S?: string; N?: string }>;

  it('gives each request item the expiry, in seconds, that the table’s TTL deletes it by', async () => {
    const ledger = createDynamoDbLedger(dynamo.table, { client: dynamo.client, now });
    const key = `caller#ttl_${clock}`;

    await ledger.claimRequest(key, 'digest-a', { leaseUntil: clock + 1000, keepUntil: clock + 1500 });
    expect((await stored(`request#${key}`)).expiresAt).toEqual({
      N: String(Math.ceil((clock + 1500) / 1000)),
    });

    await ledger.finishRequest(key, ANSWER, clock + 86_400_001);
    expect((await stored(`request#${key}`)).expiresAt).toEqual({
      N: String(Math.ceil((clock + 86_400_001) / 1000)),
    });
  });

  it('claims an id anew when the claim it lost to expires before it is read', async () => {
    const key = `caller#race_${clock}`;
    const ledger = createDynamoDbLedger(dynamo.table, { client: dynamo.client, now });
    await ledger.claimRequest(key, 'digest-a', terms(1000, 5000));
    await ledger.finishRequest(key, ANSWER, clock + 5000);
    // The write still sees the kept answer; by the read that follows, its keeping has ended.
    const times = [clock + 4000, clock + 4000];
    const racing = createDynamoDbLedger(dynamo.table, {
      client: dynamo.client,
      now: () => times.shift() ?? clock + 6000,
    });

    expect(await racing.claimRequest(key, 'digest-a', terms())).toEqual({
      kind: 'new',
      firstSeen: clock + 6000,
    });
  });

  it('claims an id anew when the claim it lost to is deleted before it is read', async () => {
    const key = `caller#deleted_${clock}`;
    await createDynamoDbLedger(dynamo.table, { client: dynamo.client, now }).claimRequest(key, 'd', terms());
    const deleting = {
      async call(operation: string, input: Readonly<Record<string, unknown>>) {
        const answer = await dynamo.client.call(operation, input).catch(async (error: unknown) => {
          // The table's TTL deletes the item just after the write failed on it.
          await dynamo.client.call('DeleteItem', {
            TableName: dynamo.table,
            Key: { pk: { S: `request#${key}` } },
          });
          throw error;
        });
        return answer;
      },
    };
    const ledger = createDynamoDbLedger(dynamo.table, { client: deleting, now });

    expect(await ledger.claimRequest(key, 'other', terms())).toEqual({ kind: 'new', firstSeen: clock });
  });

  it('reads an applied rotation recorded when sync still kept source versions, leaving that field out', async () => {
    const zone = `zone-old${run}`;
    await dynamo.client.call('PutItem', {
      TableName: dynamo.table,
      Item: {
        pk: { S: `zone#${zone}` },
        fence: { N: '5' },
        appliedFirstSeen: { N: '5' },
        appliedAt: { N: '6' },
        appliedBy: { S: 'ops' },
        appliedRequestId: { S: 'req-old' },
        appliedKeyFingerprint: { S: 'sha256:abc' },
        appliedSourceVersion: { N: '1750000000123' },
      },
    });

    expect(
      await createDynamoDbLedger(dynamo.table, { client: dynamo.client, now }).lastApplied(zone),
    ).toEqual({
      firstSeen: 5,
      at: 6,
      by: 'ops',
      requestId: 'req-old',
      keyFingerprint: 'sha256:abc',
    });
  });

  it('passes on any failure other than a failed condition', async () => {
    const ledger = createDynamoDbLedger('no-such-table', { client: dynamo.client, now });
    const missing = { name: 'AwsError', code: 'ResourceNotFoundException' };

    await expect(
      ledger.claimRequest('k', 'd', { leaseUntil: clock, keepUntil: clock }),
    ).rejects.toMatchObject(missing);
    await expect(ledger.acquireZone('zone-a1', 'o', clock)).rejects.toMatchObject(missing);
    await expect(ledger.releaseZone('zone-a1', 'o', { fence: 1 })).rejects.toMatchObject(missing);
    await expect(ledger.lastApplied('zone-a1')).rejects.toMatchObject(missing);
  });
});
