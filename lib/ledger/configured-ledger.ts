// The ledger the deployment asks for: DynamoDB when ROTATOR_TABLE names a table, else in memory.
import { createInMemoryLedger } from '#lib/ledger/in-memory-ledger.ts';
import type { RotationLedger } from '#lib/ledger/rotation-ledger.ts';

export function configuredLedger(table: string | undefined): RotationLedger {
  if (table === undefined) return createInMemoryLedger();
  // Made at the first request that needs it, so the AWS SDK is not loaded at cold start.
  let loading: Promise<RotationLedger> | undefined;
  const ledger = () => {
    loading ??= import('#lib/ledger/dynamodb-ledger.ts').then(({ createDynamoDbLedger }) =>
      createDynamoDbLedger(table),
    );
    return loading;
  };
  return {
    claimRequest: async (...args) => (await ledger()).claimRequest(...args),
    finishRequest: async (...args) => (await ledger()).finishRequest(...args),
    acquireZone: async (...args) => (await ledger()).acquireZone(...args),
    releaseZone: async (...args) => (await ledger()).releaseZone(...args),
  };
}
