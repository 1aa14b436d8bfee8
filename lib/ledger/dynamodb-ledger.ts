// The ledger in one DynamoDB table (partition key `pk`): conditional writes do the locking and the deduplication,
// so there is no read-then-write race. Items carry `expiresAt` for the table's TTL, but no condition relies on
// TTL deletion (which lags by up to days): an item past its own `until` counts as absent.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Claim, Clock, RotationLedger, StoredAnswer } from '#lib/ledger/rotation-ledger.ts';

const IN_FLIGHT = 'in-flight';
const DONE = 'done';
const RECLAIMABLE = 'attribute_not_exists(pk) OR #until < :now';

const number = (value: number) => ({ N: String(value) });
const ttl = (until: number) => number(Math.ceil(until / 1000));

/** A failed condition is an answer, not an error. By name: the runtime's SDK and the tests' are different copies. */
async function conditionally(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/**
 * The SDK is imported here, once a table is configured, not by the bundle at every cold start (the nodejs24.x
 * runtime provides it). Without a client, one is made for the function's own region and role.
 */
export async function createDynamoDbLedger(
  table: string,
  { client, now = Date.now }: { client?: DynamoDBClient; now?: Clock } = {},
): Promise<RotationLedger> {
  const sdk = await import('@aws-sdk/client-dynamodb');
  const db = client ?? new sdk.DynamoDBClient({});
  const requestKey = (key: string) => ({ pk: { S: `request#${key}` } });
  const zoneKey = (zoneId: string) => ({ pk: { S: `zone#${zoneId}` } });
  const reclaimable = () => ({
    ConditionExpression: RECLAIMABLE,
    ExpressionAttributeNames: { '#until': 'until' },
    ExpressionAttributeValues: { ':now': number(now()) },
  });

  async function claimRequest(key: string, bodyDigest: string, leaseUntil: number): Promise<Claim> {
    const item = {
      ...requestKey(key),
      digest: { S: bodyDigest },
      state: { S: IN_FLIGHT },
      until: number(leaseUntil),
      expiresAt: ttl(leaseUntil),
    };
    if (
      await conditionally(() =>
        db.send(new sdk.PutItemCommand({ TableName: table, Item: item, ...reclaimable() })),
      )
    ) {
      return { kind: 'new' };
    }
    // Why the claim failed; an item that vanished since (forgotten, or expired) is claimed anew.
    const { Item } = await db.send(
      new sdk.GetItemCommand({ TableName: table, Key: requestKey(key), ConsistentRead: true }),
    );
    if (Item === undefined || Number(Item.until?.N) < now()) return claimRequest(key, bodyDigest, leaseUntil);
    if (Item.digest?.S !== bodyDigest) return { kind: 'mismatch' };
    if (Item.state?.S !== DONE) return { kind: 'in-flight' };
    return { kind: 'replay', answer: JSON.parse(Item.answer?.S ?? '{}') as StoredAnswer };
  }

  /** Only a claim still in flight is finished: a kept answer is never overwritten. */
  const onlyInFlight = {
    ConditionExpression: '#state = :inFlight',
    ExpressionAttributeNames: { '#state': 'state' },
  };

  return {
    claimRequest,
    async finishRequest(key, answer, keepUntil) {
      const command = answer
        ? new sdk.UpdateItemCommand({
            TableName: table,
            Key: requestKey(key),
            UpdateExpression: 'SET #state = :done, answer = :answer, #until = :until, expiresAt = :expiresAt',
            ConditionExpression: onlyInFlight.ConditionExpression,
            ExpressionAttributeNames: { ...onlyInFlight.ExpressionAttributeNames, '#until': 'until' },
            ExpressionAttributeValues: {
              ':inFlight': { S: IN_FLIGHT },
              ':done': { S: DONE },
              ':answer': { S: JSON.stringify(answer) },
              ':until': number(keepUntil),
              ':expiresAt': ttl(keepUntil),
            },
          })
        : new sdk.DeleteItemCommand({
            TableName: table,
            Key: requestKey(key),
            ...onlyInFlight,
            ExpressionAttributeValues: { ':inFlight': { S: IN_FLIGHT } },
          });
      await conditionally(() => db.send(command));
    },
    acquireZone: (zoneId, owner, leaseUntil) =>
      conditionally(() =>
        db.send(
          new sdk.PutItemCommand({
            TableName: table,
            Item: {
              ...zoneKey(zoneId),
              owner: { S: owner },
              until: number(leaseUntil),
              expiresAt: ttl(leaseUntil),
            },
            ...reclaimable(),
          }),
        ),
      ),
    async releaseZone(zoneId, owner) {
      await conditionally(() =>
        db.send(
          new sdk.DeleteItemCommand({
            TableName: table,
            Key: zoneKey(zoneId),
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': { S: owner } },
          }),
        ),
      );
    },
  };
}
