// The ledger the deployment asks for: DynamoDB when ROTATOR_TABLE names a table, else in memory.
import { createDynamoDbLedger } from '#lib/adapters/aws/dynamodb-ledger.ts';
import { createInMemoryLedger } from '#lib/domain/ledger/in-memory-ledger.ts';
import type { RotationLedger } from '#lib/domain/ledger/rotation-ledger.ts';

export const configuredLedger = (table: string | undefined): RotationLedger =>
  table === undefined ? createInMemoryLedger() : createDynamoDbLedger(table);
