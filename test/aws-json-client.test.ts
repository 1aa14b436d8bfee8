// The light AWS client every run-time AWS call goes through: the standard endpoint variables, the credentials
// Lambda provides, and AWS's errors by code. Against real local servers on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsError, awsJsonClient } from '#lib/aws/aws-json-client.ts';
import { type LocalDynamoDb, startDynalite } from './support/dynalite.ts';
import {
  type SecretsManagerStandIn,
  startSecretsManagerStandIn,
} from './support/secrets-manager-stand-in.ts';

let dynamo: LocalDynamoDb;
let sm: SecretsManagerStandIn;
beforeAll(async () => {
  [dynamo, sm] = await Promise.all([startDynalite(), startSecretsManagerStandIn()]);
  sm.put('teo-key-rotator/test', '{"TENCENTCLOUD_SECRET_ID":"x"}');
});
afterAll(async () => {
  await Promise.all([dynamo.close(), sm.close()]);
});

describe('awsJsonClient', () => {
  it('reaches each service at its own AWS_ENDPOINT_URL_<SERVICE>, before AWS_ENDPOINT_URL', async () => {
    // One environment for both; the catch-all points nowhere. dynalite takes any keys, the stand-in only its own.
    const env = { ...dynamo.env, ...sm.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };

    const secret = await awsJsonClient('secretsmanager', { env }).call('GetSecretValue', {
      SecretId: 'teo-key-rotator/test',
    });
    const table = await awsJsonClient('dynamodb', { env }).call('DescribeTable', { TableName: dynamo.table });

    expect(secret.SecretString).toBe('{"TENCENTCLOUD_SECRET_ID":"x"}');
    expect(table).toMatchObject({ Table: { TableName: dynamo.table } });
  });

  it('falls back to AWS_ENDPOINT_URL for a service without its own variable', async () => {
    const { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint = '', ...rest } = sm.env;

    const secret = await awsJsonClient('secretsmanager', {
      env: { ...rest, AWS_ENDPOINT_URL: endpoint },
    }).call('GetSecretValue', { SecretId: 'teo-key-rotator/test' });

    expect(secret.Name).toBe('teo-key-rotator/test');
  });

  it("signs with the session token Lambda's role credentials carry", async () => {
    const received: string[] = [];
    const http = await import('node:http');
    const server = http.createServer((request, response) => {
      received.push(String(request.headers['x-amz-security-token']));
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end('{}');
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const { port } = server.address() as { port: number };
    try {
      await awsJsonClient('events', {
        env: {
          AWS_ENDPOINT_URL_EVENTBRIDGE: `http://127.0.0.1:${port}`,
          AWS_ACCESS_KEY_ID: 'ASIAFAKEEXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'fake',
          AWS_SESSION_TOKEN: 'FakeSessionTokenForTests',
        },
      }).call('PutEvents', { Entries: [] });
    } finally {
      server.close();
    }

    expect(received).toEqual(['FakeSessionTokenForTests']);
  });

  it("rejects with AWS's error code, without its namespace, and the HTTP status", async () => {
    const missing = awsJsonClient('secretsmanager', { env: sm.env }).call('GetSecretValue', {
      SecretId: 'nope',
    });

    await expect(missing).rejects.toBeInstanceOf(AwsError);
    await expect(missing).rejects.toMatchObject({ code: 'ResourceNotFoundException', status: 400 });
  });

  it('refuses to start without credentials in the environment, and says which', async () => {
    const { AWS_SECRET_ACCESS_KEY: _, ...withoutSecret } = sm.env;

    await expect(
      awsJsonClient('secretsmanager', { env: withoutSecret }).call('GetSecretValue', { SecretId: 'x' }),
    ).rejects.toThrow('No AWS credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).');
  });
});
