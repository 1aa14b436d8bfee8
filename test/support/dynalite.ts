// A real DynamoDB-compatible server (dynalite, in memory) on loopback, with the table serverless.yml declares.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

export interface LocalDynamoDb {
  readonly client: DynamoDBClient;
  readonly table: string;
  close(): Promise<void>;
}

export async function startDynalite(table = 'teo-key-rotator-test'): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'fake-test-key', secretAccessKey: 'fake-test-secret' },
  });
  // As serverless.yml declares it, less TimeToLiveSpecification: dynalite does not implement TTL.
  await client.send(
    new CreateTableCommand({
      TableName: table,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return {
    client,
    table,
    close: async () => {
      client.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
