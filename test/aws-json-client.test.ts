// The light AWS client every run-time AWS call goes through: the standard endpoint variables, the credentials
// Lambda provides, and AWS's errors by code. Against real local servers on loopback.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AWS_RETRY, AwsError, awsJsonClient, serviceEndpoint } from '#lib/adapters/aws/aws-json-client.ts';
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
    ).rejects.toMatchObject({
      name: 'ConfigurationInvalid',
      problems: ['No AWS credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).'],
    });
  });
});

/** A loopback endpoint answering from a script, one entry per request; `null` drops the connection. */
async function scriptedEndpoint(
  script: ({ status: number; body: string; headers?: Record<string, string> } | null)[],
) {
  const received: { target: string; authorization: string; body: string }[] = [];
  const server = http.createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    received.push({
      target: String(request.headers['x-amz-target']),
      authorization: String(request.headers.authorization),
      body,
    });
    const next = script.shift();
    if (!next) request.socket.destroy();
    else response.writeHead(next.status, next.headers ?? {}).end(next.body);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return {
    received,
    env: {
      AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: 'AKIAFAKEEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'fake',
    },
    close: () => new Promise((closed) => server.close(closed)),
  };
}

const throttled = {
  status: 400,
  body: '{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate exceeded"}',
};
const failedCondition = {
  status: 400,
  body: '{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"}',
};

describe('awsJsonClient retries', () => {
  const waits: number[] = [];
  const clientFor = (env: Record<string, string>) =>
    awsJsonClient('dynamodb', {
      env,
      clock: {
        now: Date.now,
        random: () => 0.5,
        sleep: async (ms) => {
          waits.push(ms);
        },
      },
    });
  beforeEach(() => {
    waits.length = 0;
  });

  it('tries again after a throttle and a dropped connection', async () => {
    const endpoint = await scriptedEndpoint([throttled, null, { status: 200, body: '{"Item":{}}' }]);
    try {
      await expect(clientFor(endpoint.env).call('GetItem', { TableName: 't' })).resolves.toEqual({
        Item: {},
      });
    } finally {
      await endpoint.close();
    }

    expect(endpoint.received.map(({ target, body }) => [target, body])).toEqual(
      Array(3).fill(['DynamoDB_20120810.GetItem', '{"TableName":"t"}']),
    );
    expect(waits).toEqual([50, 100]);
  });

  it("clears each attempt's timeout as the attempt ends, answered, refused or cut off", async () => {
    // A timer left until it fires would keep each attempt's request in memory for seconds after its answer.
    const endpoint = await scriptedEndpoint([throttled, null, { status: 200, body: '{}' }]);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await clientFor(endpoint.env).call('GetItem', { TableName: 't' });

      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
      await endpoint.close();
    }
  });

  it('tries again after a 5xx (500 included), and gives up after three attempts with the last answer', async () => {
    const endpoint = await scriptedEndpoint([
      throttled,
      { status: 500, body: '{"__type":"InternalServerError"}' },
      throttled,
      { status: 200, body: '{}' },
    ]);
    try {
      await expect(clientFor(endpoint.env).call('PutItem', {})).rejects.toMatchObject({
        code: 'ThrottlingException',
        status: 400,
      });
    } finally {
      await endpoint.close();
    }

    expect(endpoint.received).toHaveLength(AWS_RETRY.maxAttempts);
    expect(waits).toEqual([50, 100]);
  });

  it('passes on a network failure once three attempts have all failed', async () => {
    const endpoint = await scriptedEndpoint([null, null, null]);
    try {
      await expect(clientFor(endpoint.env).call('PutItem', {})).rejects.toMatchObject({ code: 'ECONNRESET' });
    } finally {
      await endpoint.close();
    }

    expect(endpoint.received).toHaveLength(3);
  });

  it("never repeats a request AWS refused for a reason of the request's own", async () => {
    const endpoint = await scriptedEndpoint([failedCondition, { status: 200, body: '{}' }]);
    try {
      await expect(clientFor(endpoint.env).call('PutItem', {})).rejects.toMatchObject({
        code: 'ConditionalCheckFailedException',
      });
    } finally {
      await endpoint.close();
    }

    expect(endpoint.received).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('names an error from the x-amzn-errortype header when the body does not, and keeps no message of AWS', async () => {
    const endpoint = await scriptedEndpoint([
      {
        status: 400,
        body: 'not json',
        headers: { 'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/' },
      },
      { status: 413, body: '' },
    ]);
    try {
      const client = clientFor(endpoint.env);
      const named = await client.call('PutItem', {}).catch((error: unknown) => error);
      const unnamed = await client.call('PutItem', {}).catch((error: unknown) => error);

      expect(named).toMatchObject({
        code: 'ValidationException',
        status: 400,
        message: 'AWS answered ValidationException (HTTP 400)',
      });
      expect(unnamed).toMatchObject({ code: 'UnknownError', status: 413 });
    } finally {
      await endpoint.close();
    }
  });
});

describe('awsJsonClient answers', () => {
  type Answer = { status: number; body: string; headers?: Record<string, string> };
  /** One PutItem against answers scripted in order: what it resolved or rejected with, and how many it sent. */
  const call = async (...answers: Answer[]) => {
    const endpoint = await scriptedEndpoint(answers);
    try {
      const outcome = await awsJsonClient('dynamodb', {
        env: endpoint.env,
        clock: { now: Date.now, random: () => 0, sleep: async () => undefined },
      })
        .call('PutItem', {})
        .catch((error: unknown) => error);
      return { outcome, attempts: endpoint.received.length };
    } finally {
      await endpoint.close();
    }
  };

  it.each([
    ['an empty body', '', {}],
    ['JSON null', 'null', {}],
    ['a JSON number', '7', {}],
    ['an object', '{"Attributes":{"pk":{"S":"x"}}}', { Attributes: { pk: { S: 'x' } } }],
  ])('reads a 200 with %s as its JSON object', async (_, body, expected) => {
    expect((await call({ status: 200, body })).outcome).toEqual(expected);
  });

  it.each([
    'ThrottlingException',
    'Throttling',
    'TooManyRequestsException',
    'RequestLimitExceeded',
    'ProvisionedThroughputExceededException',
    'TransactionInProgressException',
    'LimitExceededException',
    'RequestThrottledException',
  ])('tries a 400 %s again, as a throttle', async (code) => {
    const throttled = {
      status: 400,
      body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${code}` }),
    };

    expect(await call(throttled, { status: 200, body: '{}' })).toEqual({ outcome: {}, attempts: 2 });
  });

  it('takes a 429 as a throttle whatever its code', async () => {
    const slowDown = { status: 429, body: '{"__type":"SlowDown"}' };
    const { outcome, attempts } = await call(slowDown, slowDown, slowDown);

    expect(outcome).toMatchObject({ name: 'AwsError', code: 'SlowDown', status: 429 });
    expect(attempts).toBe(3);
  });

  it('names a code without a namespace as it is', async () => {
    const missing = { status: 400, body: '{"__type":"ResourceNotFoundException"}' };
    const { outcome, attempts } = await call(missing, missing, missing);

    expect(outcome).toMatchObject({ name: 'AwsError', code: 'ResourceNotFoundException' });
    expect(attempts).toBe(1);
  });
});

describe('serviceEndpoint', () => {
  it("is the service's regional endpoint in Lambda's region, the China partition's in a China region", () => {
    const endpoint = (service: 'dynamodb' | 'events', env: Record<string, string>) =>
      serviceEndpoint(service, env).url.href;

    expect(endpoint('dynamodb', { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-west-2' })).toBe(
      'https://dynamodb.eu-west-1.amazonaws.com/',
    );
    expect(endpoint('events', { AWS_DEFAULT_REGION: 'cn-north-1' })).toBe(
      'https://events.cn-north-1.amazonaws.com.cn/',
    );
    expect(serviceEndpoint('dynamodb', {})).toMatchObject({ region: 'us-east-1' });
  });
});
