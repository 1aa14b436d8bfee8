// A real DynamoDB-compatible server (dynalite, in memory) on loopback, with the table serverless.yml declares.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AwsJsonClient, awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';

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
  await createTable(env, table);
  return {
    env,
    client: awsJsonClient('dynamodb', { env }),
    table,
    close: async () => {
      server.close();
      await once(server, 'close');
    },
  };
}

/**
 * The table, as serverless.yml declares it less TimeToLiveSpecification (dynalite does not implement TTL). Made
 * without the client under test, so that a broken client fails its tests rather than their set-up; and without
 * the AWS SDK, whose import took ~80 ms in every file reaching here (and in every mutant run of one). dynalite
 * checks that a request is signed, not its signature.
 */
async function createTable(
  env: {
    readonly AWS_ENDPOINT_URL_DYNAMODB: string;
    readonly AWS_ACCESS_KEY_ID: string;
    readonly AWS_REGION: string;
  },
  table: string,
): Promise<void> {
  const body = JSON.stringify({
    TableName: table,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  const headers = {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': 'DynamoDB_20120810.CreateTable',
    'x-amz-date': '20260101T000000Z',
    authorization:
      `AWS4-HMAC-SHA256 Credential=${env.AWS_ACCESS_KEY_ID}/20260101/${env.AWS_REGION}/dynamodb/aws4_request, ` +
      'SignedHeaders=host;x-amz-date;x-amz-target, Signature=0',
  };
  const request = http.request(env.AWS_ENDPOINT_URL_DYNAMODB, { method: 'POST', headers });
  request.end(body);
  const [response] = (await once(request, 'response')) as [http.IncomingMessage];
  const answer = (await response.toArray()).join('');
  if (response.statusCode !== 200) throw new Error(`dynalite refused CreateTable: ${answer}`);
}
