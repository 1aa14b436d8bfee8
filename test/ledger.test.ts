// The same behaviour from both ledger adapters: in memory, and DynamoDB semantics through a real dynalite server.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDynamoDbLedger } from '#lib/ledger/dynamodb-ledger.ts';
import { createInMemoryLedger } from '#lib/ledger/in-memory-ledger.ts';
import type { RotationLedger } from '#lib/ledger/rotation-ledger.ts';
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
  ['DynamoDB (dynalite)', () => createDynamoDbLedger(dynamo.table, { client: dynamo.client, now })],
];

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
    it('lets the first claim of an id proceed', async () => {
      expect(await ledger.claimRequest(key, 'digest-a', clock + 1000)).toEqual({ kind: 'new' });
    });

    it('tells a redelivery while the first is in flight that it is in flight', async () => {
      await ledger.claimRequest(key, 'digest-a', clock + 1000);

      expect(await ledger.claimRequest(key, 'digest-a', clock + 1000)).toEqual({ kind: 'in-flight' });
    });

    it('replays the kept answer to a redelivery with the same body', async () => {
      await ledger.claimRequest(key, 'digest-a', clock + 1000);
      await ledger.finishRequest(key, ANSWER, clock + 86_400_000);

      expect(await ledger.claimRequest(key, 'digest-a', clock + 1000)).toEqual({
        kind: 'replay',
        answer: ANSWER,
      });
    });

    it('refuses the same id with another body, in flight or finished', async () => {
      await ledger.claimRequest(key, 'digest-a', clock + 1000);
      expect(await ledger.claimRequest(key, 'digest-b', clock + 1000)).toEqual({ kind: 'mismatch' });

      await ledger.finishRequest(key, ANSWER, clock + 86_400_000);
      expect(await ledger.claimRequest(key, 'digest-b', clock + 1000)).toEqual({ kind: 'mismatch' });
    });

    it('forgets a claim finished without an answer, so a redelivery runs anew', async () => {
      await ledger.claimRequest(key, 'digest-a', clock + 1000);
      await ledger.finishRequest(key, undefined, 0);

      expect(await ledger.claimRequest(key, 'digest-a', clock + 1000)).toEqual({ kind: 'new' });
    });

    it('lets a claim whose lease expired (a crashed invocation) be taken over', async () => {
      await ledger.claimRequest(key, 'digest-a', clock + 1000);
      clock += 1001;

      expect(await ledger.claimRequest(key, 'digest-b', clock + 1000)).toEqual({ kind: 'new' });
    });

    it('keeps an answer until its retention ends, then forgets it', async () => {
      await ledger.claimRequest(key, 'digest-a', clock + 1000);
      await ledger.finishRequest(key, ANSWER, clock + 5000);
      clock += 5000;
      expect((await ledger.claimRequest(key, 'digest-a', clock + 1000)).kind).toBe('replay');

      clock += 1;
      expect(await ledger.claimRequest(key, 'digest-a', clock + 1000)).toEqual({ kind: 'new' });
    });

    it('does not let a late finish overwrite a kept answer', async () => {
      await ledger.claimRequest(key, 'digest-a', clock + 1000);
      await ledger.finishRequest(key, ANSWER, clock + 86_400_000);
      await ledger.finishRequest(key, { ...ANSWER, body: '{"RequestId":"other"}' }, clock + 86_400_000);
      await ledger.finishRequest(key, undefined, 0);

      expect(await ledger.claimRequest(key, 'digest-a', clock + 1000)).toEqual({
        kind: 'replay',
        answer: ANSWER,
      });
    });

    it('lets exactly one of many simultaneous claims of one id proceed', async () => {
      const claims = await Promise.all(
        Array.from({ length: 12 }, () => ledger.claimRequest(key, 'digest-a', clock + 1000)),
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

    it('lets one owner hold a zone and refuses the others until it is released', async () => {
      expect(await ledger.acquireZone(zone, 'first', clock + 1000)).toBe(true);
      expect(await ledger.acquireZone(zone, 'second', clock + 1000)).toBe(false);

      await ledger.releaseZone(zone, 'first');
      expect(await ledger.acquireZone(zone, 'second', clock + 1000)).toBe(true);
    });

    it('ignores a release by someone who does not hold the zone', async () => {
      await ledger.acquireZone(zone, 'first', clock + 1000);
      await ledger.releaseZone(zone, 'second');

      expect(await ledger.acquireZone(zone, 'third', clock + 1000)).toBe(false);
    });

    it('frees a zone whose lease expired, so a crashed invocation cannot block it', async () => {
      await ledger.acquireZone(zone, 'crashed', clock + 1000);
      clock += 1001;

      expect(await ledger.acquireZone(zone, 'next', clock + 1000)).toBe(true);
    });

    it('gives a zone to exactly one of many simultaneous owners', async () => {
      const taken = await Promise.all(
        Array.from({ length: 12 }, (_, i) => ledger.acquireZone(zone, `owner-${i}`, clock + 1000)),
      );

      expect(taken.filter(Boolean)).toHaveLength(1);
    });

    it('keeps zones apart', async () => {
      expect(await ledger.acquireZone(zone, 'first', clock + 1000)).toBe(true);
      expect(await ledger.acquireZone(`${zone}x`, 'second', clock + 1000)).toBe(true);
    });
  });
});
