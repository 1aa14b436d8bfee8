// A real DynamoDB-compatible server (dynalite, in memory) on loopback, with the table serverless.yml declares.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { type AwsJsonClient, awsJsonClient } from '#lib/aws/aws-json-client.ts';

export interface LocalDynamoDb {
  /** The environment a function would run with to reach it: the standard endpoint variable and fake keys. */
  readonly env: Readonly<Record<string, string>>;
  /** The light client the functions use, pointed at it. */
  readonly client: AwsJsonClient;
  readonly table: string;
  close(): Promise<void>;
}

export async function startDynalite(table = 'teo-key-rotator-test'): Promise<LocalDynamoDb> {
  // Loaded when a test first needs it, not by every file importing this one: ~50 ms, and the mutation run pays
  // what a test file's imports cost once per mutant.
  const { default: dynalite } = await import('dynalite');
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const env = {
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${port}`,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'fake-test-key',
    AWS_SECRET_ACCESS_KEY: 'fake-test-secret',
  };
  // The table is made through the functions' own light client: the AWS SDK's import took ~80 ms in every test file
  // that reaches here (and in every mutant run of one).
  const client = awsJsonClient('dynamodb', { env });
  // As serverless.yml declares it, less TimeToLiveSpecification: dynalite does not implement TTL.
  await client.call('CreateTable', {
    TableName: table,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  return {
    env,
    client,
    table,
    close: async () => {
      server.close();
      await once(server, 'close');
    },
  };
}
