// The ledger in one DynamoDB table (partition key `pk`): conditional writes do the locking and the deduplication,
// so there is no read-then-write race. Request items carry `expiresAt` for the table's TTL, but no condition relies
// on TTL deletion (which lags by up to days): an item past its own `keepUntil` counts as absent. Zone items never
// expire: they keep the zone's last applied rotation; their lease ends by its own `leaseUntil`.

import { AwsError, type AwsJsonClient, awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import type {
  AppliedRotation,
  Claim,
  RotationLedger,
  StoredAnswer,
  SyncHealth,
  ZoneLease,
} from '#lib/domain/ledger/rotation-ledger.ts';
import type { Clock } from '#lib/domain/retry.ts';

const IN_FLIGHT = 'in-flight';
/** Finished without a final answer: a redelivery with the same body may claim it again. */
const OPEN = 'open';
const DONE = 'done';

type Item = Readonly<Record<string, { S?: string; N?: string } | undefined>>;

const number = (value: number) => ({ N: String(value) });
const ttl = (until: number) => number(Math.ceil(until / 1000));
const numberIn = (item: Item, name: string) => Number(item[name]?.N ?? Number.NaN);
/** The item's string attribute; the applied rotation's are written together, so each is there. */
const textIn = (item: Item, name: string) => item[name]?.S ?? '';

/** A failed condition is an answer, not an error. */
async function conditionally(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (error instanceof AwsError && error.code === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

export function createDynamoDbLedger(
  table: string,
  { client = awsJsonClient('dynamodb'), now = Date.now }: { client?: AwsJsonClient; now?: Clock['now'] } = {},
): RotationLedger {
  const requestKey = (key: string) => ({ pk: { S: `request#${key}` } });
  const zoneKey = (zoneId: string) => ({ pk: { S: `zone#${zoneId}` } });

  async function claimRequest(
    key: string,
    bodyDigest: string,
    terms: { leaseUntil: number; keepUntil: number },
  ): Promise<Claim> {
    const firstSeen = now();
    const created = await conditionally(() =>
      client.call('PutItem', {
        TableName: table,
        Item: {
          ...requestKey(key),
          digest: { S: bodyDigest },
          state: { S: IN_FLIGHT },
          firstSeen: number(firstSeen),
          leaseUntil: number(terms.leaseUntil),
          keepUntil: number(terms.keepUntil),
          expiresAt: ttl(terms.keepUntil),
        },
        ConditionExpression: 'attribute_not_exists(pk) OR keepUntil < :now',
        ExpressionAttributeValues: { ':now': number(now()) },
      }),
    );
    if (created) return { kind: 'new', firstSeen };
    // Why the claim failed; an item that was forgotten since is claimed anew.
    const { Item } = (await client.call('GetItem', {
      TableName: table,
      Key: requestKey(key),
      ConsistentRead: true,
    })) as { Item?: Item };
    if (Item === undefined || numberIn(Item, 'keepUntil') < now())
      return claimRequest(key, bodyDigest, terms);
    if (Item.digest?.S !== bodyDigest) return { kind: 'mismatch' };
    if (Item.state?.S === DONE)
      return { kind: 'replay', answer: JSON.parse(Item.answer?.S ?? '{}') as StoredAnswer };
    // Open, or in flight past its lease (a crashed invocation): claimed again, still first seen when it was.
    const reclaimed = await conditionally(() =>
      client.call('UpdateItem', {
        TableName: table,
        Key: requestKey(key),
        UpdateExpression: 'SET #state = :inFlight, leaseUntil = :lease',
        ConditionExpression:
          'digest = :digest AND (#state = :open OR (#state = :inFlight AND leaseUntil < :now))',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':inFlight': { S: IN_FLIGHT },
          ':open': { S: OPEN },
          ':digest': { S: bodyDigest },
          ':lease': number(terms.leaseUntil),
          ':now': number(now()),
        },
      }),
    );
    return reclaimed ? { kind: 'new', firstSeen: numberIn(Item, 'firstSeen') } : { kind: 'in-flight' };
  }

  return {
    claimRequest,
    async finishRequest(key, answer, keepUntil) {
      // Only a claim in flight is finished: a kept answer is never overwritten.
      await conditionally(() =>
        client.call('UpdateItem', {
          TableName: table,
          Key: requestKey(key),
          UpdateExpression: answer
            ? 'SET #state = :done, answer = :answer, keepUntil = :keep, expiresAt = :expiresAt REMOVE leaseUntil'
            : 'SET #state = :open, keepUntil = :keep, expiresAt = :expiresAt REMOVE leaseUntil',
          ConditionExpression: '#state = :inFlight',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':inFlight': { S: IN_FLIGHT },
            ...(answer
              ? { ':done': { S: DONE }, ':answer': { S: JSON.stringify(answer) } }
              : { ':open': { S: OPEN } }),
            ':keep': number(keepUntil),
            ':expiresAt': ttl(keepUntil),
          },
        }),
      );
    },
    async acquireZone(zoneId, owner, leaseUntil): Promise<ZoneLease | undefined> {
      try {
        const { Attributes } = (await client.call('UpdateItem', {
          TableName: table,
          Key: zoneKey(zoneId),
          UpdateExpression: 'SET #owner = :owner, leaseUntil = :lease',
          ConditionExpression: 'attribute_not_exists(#owner) OR leaseUntil < :now',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: {
            ':owner': { S: owner },
            ':lease': number(leaseUntil),
            ':now': number(now()),
          },
          ReturnValues: 'ALL_NEW',
        })) as { Attributes?: Item };
        const item = Attributes ?? {};
        return {
          fence: item.fence?.N === undefined ? 0 : numberIn(item, 'fence'),
          lastApplied: appliedIn(item),
        };
      } catch (error) {
        if (error instanceof AwsError && error.code === 'ConditionalCheckFailedException') return undefined;
        throw error;
      }
    },
    async lastApplied(zoneId) {
      const { Item } = (await client.call('GetItem', {
        TableName: table,
        Key: zoneKey(zoneId),
        ConsistentRead: true,
      })) as { Item?: Item };
      return Item && appliedIn(Item);
    },
    async releaseZone(zoneId, owner, change) {
      const applied = change?.applied;
      const values = change && {
        ':fence': number(change.fence),
        ...(applied &&
          Object.fromEntries(APPLIED_FIELDS.map((field) => [`:${field}`, appliedValue(applied, field)]))),
      };
      const set =
        change &&
        `SET fence = :fence${applied ? APPLIED_FIELDS.map((field) => `, ${field} = :${field}`).join('') : ''}`;
      const released = await conditionally(() =>
        client.call('UpdateItem', {
          TableName: table,
          Key: zoneKey(zoneId),
          UpdateExpression: `${set ?? ''} REMOVE #owner, leaseUntil`,
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': { S: owner }, ...values },
        }),
      );
      // The lease ran out under this rotation (only an invocation past its own end could see that): its change is
      // still recorded, unless one from a request first seen later is there already.
      if (!released && set && values) {
        await conditionally(() =>
          client.call('UpdateItem', {
            TableName: table,
            Key: zoneKey(zoneId),
            UpdateExpression: set,
            ConditionExpression: 'attribute_not_exists(fence) OR fence <= :fence',
            ExpressionAttributeValues: values,
          }),
        );
      }
    },
    // On the zone's item, beside its lease and fence: one atomic update, so concurrent syncs of the zone (a
    // notification and the schedule) count every failure.
    async recordSync(zoneId, { verified, at }) {
      const { Attributes } = (await client.call('UpdateItem', {
        TableName: table,
        Key: zoneKey(zoneId),
        UpdateExpression: verified
          ? 'SET syncVerifiedAt = :at, syncFailures = :none'
          : 'ADD syncFailures :one',
        ExpressionAttributeValues: verified
          ? { ':at': number(at), ':none': number(0) }
          : { ':one': number(1) },
        ReturnValues: 'ALL_NEW',
      })) as { Attributes: Item };
      return healthIn(Attributes);
    },
    // BatchGetItem: 100 keys a call; what DynamoDB leaves unprocessed (throttled) is asked again, a few times.
    async syncHealthOf(zoneIds) {
      const found = new Map<string, SyncHealth>();
      for (let at = 0; at < zoneIds.length; at += BATCH_GET_KEYS) {
        let keys: unknown[] = zoneIds.slice(at, at + BATCH_GET_KEYS).map(zoneKey);
        for (let round = 0; keys.length > 0 && round < BATCH_GET_ROUNDS; round += 1) {
          const { Responses, UnprocessedKeys } = (await client.call('BatchGetItem', {
            RequestItems: {
              [table]: {
                Keys: keys,
                ConsistentRead: true,
                ProjectionExpression: 'pk, syncVerifiedAt, syncFailures',
              },
            },
          })) as {
            Responses?: Record<string, Item[]>;
            UnprocessedKeys?: Record<string, { Keys: unknown[] }>;
          };
          for (const item of Responses?.[table] ?? []) {
            if (item.syncFailures === undefined) continue;
            found.set(textIn(item, 'pk').slice('zone#'.length), healthIn(item));
          }
          keys = UnprocessedKeys?.[table]?.Keys ?? [];
        }
      }
      return found;
    },
  };
}

const BATCH_GET_KEYS = 100;
const BATCH_GET_ROUNDS = 3;

const healthIn = (item: Item): SyncHealth => ({
  lastVerified: item.syncVerifiedAt === undefined ? undefined : numberIn(item, 'syncVerifiedAt'),
  consecutiveFailures: numberIn(item, 'syncFailures'),
});

const APPLIED_FIELDS = [
  'appliedFirstSeen',
  'appliedAt',
  'appliedBy',
  'appliedRequestId',
  'appliedKeyFingerprint',
] as const;

function appliedValue(applied: AppliedRotation, field: (typeof APPLIED_FIELDS)[number]) {
  switch (field) {
    case 'appliedFirstSeen':
      return number(applied.firstSeen);
    case 'appliedAt':
      return number(applied.at);
    case 'appliedBy':
      return { S: applied.by };
    case 'appliedRequestId':
      return { S: applied.requestId };
    case 'appliedKeyFingerprint':
      return { S: applied.keyFingerprint };
  }
}

function appliedIn(item: Item): AppliedRotation | undefined {
  if (item.appliedFirstSeen?.N === undefined) return undefined;
  return {
    firstSeen: numberIn(item, 'appliedFirstSeen'),
    at: numberIn(item, 'appliedAt'),
    by: textIn(item, 'appliedBy'),
    requestId: textIn(item, 'appliedRequestId'),
    keyFingerprint: textIn(item, 'appliedKeyFingerprint'),
  };
}
