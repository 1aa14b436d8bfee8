// What an attacker can send that no API Gateway would: hand-written events from a direct invoke, bodies too large
// to HMAC, and what the audit line must still record about them.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '#lib/handlers/config/rotator-config.ts';
import { type EventChanges, type EventSource, lambdaContext, rotateEvent } from './support/events.ts';
import { CALLERS, KEY, OPS_TOKEN, testEnvironment, ZONE } from './support/fake-config.ts';
import { createDocumentedHandler } from './support/openapi.ts';
import { useTeoStandIn } from './support/stand-in-harness.ts';
import { webhookHeaders, webhookVector } from './support/webhooks.ts';

const harness = useTeoStandIn();

const handlerFor = (env?: Record<string, string>) =>
  createDocumentedHandler(loadConfig(testEnvironment(harness.teo.url, env)));

const auditLine = () => harness.output.lines().find((line) => line.message === 'rotation request');

const fixture = (source: EventSource, changes: EventChanges = {}) =>
  JSON.parse(JSON.stringify(rotateEvent(source, changes))) as Record<string, unknown> & {
    requestContext: Record<string, unknown>;
    headers: Record<string, unknown>;
  };

const without = <T extends Record<string, unknown>>(object: T, ...names: string[]) => {
  for (const name of names) delete object[name];
  return object;
};

/** Shapes a direct `aws lambda invoke` can deliver and no API Gateway or Function URL ever does, each with what
 * the refusal says is wrong: a field's name and the rule, or a header's name only when it is a plain token. */
const MALFORMED: [string, () => unknown, string][] = [
  ['{}', () => ({}), 'requestContext must be an object'],
  ['null', () => null, 'the event is not an object'],
  ['[]', () => [], 'the event is not an object'],
  ['a string', () => 'POST /rotate', 'the event is not an object'],
  ['a number', () => 42, 'the event is not an object'],
  [
    'a v2 body that is an object',
    () => ({ ...fixture('http-api-v2'), body: { ZoneId: ZONE, SecretKey: KEY } }),
    'body must be a string',
  ],
  ['a v2 body that is a number', () => ({ ...fixture('http-api-v2'), body: 1 }), 'body must be a string'],
  [
    'a v1 body that is an object',
    () => ({ ...fixture('rest-api-v1'), body: { ZoneId: ZONE } }),
    'body must be a string',
  ],
  [
    'isBase64Encoded that is a string',
    () => ({ ...fixture('http-api-v2'), isBase64Encoded: 'true' }),
    'isBase64Encoded must be a boolean',
  ],
  [
    'a v2 header whose value is a number',
    () => {
      const event = fixture('http-api-v2');
      event.headers['content-length'] = 92;
      return event;
    },
    "the header 'content-length' is not text",
  ],
  [
    'a v1 header whose value is a number',
    () => {
      const event = fixture('rest-api-v1');
      event.headers['Content-Length'] = 92;
      event.multiValueHeaders = {};
      return event;
    },
    "the header 'Content-Length' is not text",
  ],
  [
    'v1 multiValueHeaders holding a number',
    () => ({ ...fixture('rest-api-v1'), multiValueHeaders: { A: [1] } }),
    "the header 'A' is not text",
  ],
  [
    'v2 headers that are a string',
    () => ({ ...fixture('http-api-v2'), headers: 'authorization: x' }),
    'headers must be an object',
  ],
  [
    'v2 without requestContext',
    () => without(fixture('http-api-v2'), 'requestContext'),
    'requestContext must be an object',
  ],
  ['v2 without routeKey', () => without(fixture('http-api-v2'), 'routeKey'), 'routeKey must be a string'],
  [
    'a Function URL event without rawPath',
    () => without(fixture('function-url'), 'rawPath'),
    'rawPath must be a string',
  ],
  [
    'a Function URL event without requestContext.http',
    () => {
      const event = fixture('function-url');
      delete event.requestContext.http;
      return event;
    },
    'http must be an object',
  ],
  [
    'a v2 event whose caller ARN is a number',
    () => {
      const event = fixture('http-api-v2-iam');
      event.requestContext.authorizer = { iam: { userArn: 12 } };
      return event;
    },
    "the caller's ARN must be a string",
  ],
  ['v1 without resource', () => without(fixture('rest-api-v1'), 'resource'), 'resource must be a string'],
  [
    'v1 without requestContext',
    () => without(fixture('rest-api-v1'), 'requestContext'),
    'requestContext must be an object',
  ],
  [
    'v1 with a requestContext that is a string',
    () => ({ ...fixture('rest-api-v1'), requestContext: 'x' }),
    'requestContext must be an object',
  ],
  [
    'v1 with httpMethod that is a number',
    () => ({ ...fixture('rest-api-v1'), httpMethod: 1 }),
    'httpMethod must be a string',
  ],
  [
    'v1 with a greedy resource and no path',
    () => without({ ...fixture('rest-api-v1'), resource: '/{proxy+}' }, 'path'),
    'path must be a string',
  ],
  [
    'v1 whose caller ARN is an object',
    () => {
      const event = fixture('rest-api-v1');
      event.requestContext.identity = { userArn: { arn: 'x' } };
      return event;
    },
    "the caller's ARN must be a string",
  ],
  ...[`x-key ${'a'.repeat(10)}`, 'a'.repeat(65), 'a:b'].map((name): [string, () => unknown, string] => [
    `a header named ${JSON.stringify(name)} holding a number`,
    () => {
      const event = fixture('http-api-v2');
      event.headers[name] = 1;
      return event;
    },
    'the header with an unusual name is not text',
  ]),
  [
    'a header named with 64 letters holding a number',
    () => {
      const event = fixture('http-api-v2');
      event.headers['a'.repeat(64)] = 1;
      return event;
    },
    `the header '${'a'.repeat(64)}' is not text`,
  ],
  [
    'a Function URL event without requestContext.http.method',
    () => {
      const event = fixture('function-url');
      delete (event.requestContext.http as Record<string, unknown>).method;
      return event;
    },
    'method must be a string',
  ],
  [
    'a multi-value header holding text and a number',
    () => ({ ...fixture('rest-api-v1'), multiValueHeaders: { 'x-trace': ['a', 1] } }),
    "the header 'x-trace' is not text",
  ],
  [
    'routeKey that is a number',
    () => ({ ...fixture('http-api-v2'), routeKey: 7 }),
    'routeKey must be a string',
  ],
];

describe('an event that no API Gateway or Function URL sends', () => {
  it.each(MALFORMED)(
    '%s gets 400 InvalidEvent, no TEO call, no ERROR line and no failed metric',
    async (_, make, reason) => {
      const response = await handlerFor()(make(), lambdaContext());

      const message = `The invocation is not an HTTP request from API Gateway or a Function URL: ${reason}.`;
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body)).toEqual({ Error: { Code: 'InvalidEvent', Message: message } });
      expect(harness.teo.requests).toHaveLength(0);
      const lines = harness.output.lines();
      expect(lines.filter((line) => line.level === 'ERROR')).toEqual([]);
      expect(auditLine()).toMatchObject({
        level: 'INFO',
        outcome: 'refused',
        status: 400,
        errorCode: 'InvalidEvent',
        errorDetail: `InvalidRequest: ${message}`,
      });
    },
  );
});

describe('an HTTP API event from a named stage', () => {
  const staged = (stage: unknown, rawPath: string, routeKey = '$default') => {
    const event = fixture('http-api-v2', { headers: { Authorization: `Bearer ${OPS_TOKEN}` } });
    return { ...event, routeKey, rawPath, requestContext: { ...event.requestContext, routeKey, stage } };
  };

  it.each([
    ['the catch-all route, its path under the stage', staged('prod', '/prod/rotate'), 200],
    ['the catch-all route, its path without the stage', staged('prod', '/rotate'), 200],
    ['the catch-all route of the $default stage', staged('$default', '/rotate'), 200],
    ['a stage that only starts the path', staged('prod', '/production/rotate'), 404],
    ['a stage that is no string', staged(7, '/7/rotate'), 404],
    ['a named route, whatever the raw path', staged('prod', '/prod/anything', 'POST /rotate'), 200],
  ])('is read as the API matched it: %s', async (_, event, status) => {
    const response = await handlerFor()(event, lambdaContext());

    expect(response.statusCode).toBe(status);
  });
});

describe('an event with a header whose value is null', () => {
  it('is served, the header taken as absent', async () => {
    const event = fixture('http-api-v2', { headers: { Authorization: `Bearer ${OPS_TOKEN}` } });
    event.headers['x-forwarded-for'] = null;

    const response = await handlerFor()(event, lambdaContext());

    expect(response.statusCode).toBe(200);
  });
});

describe('what API Gateway and Function URLs may send, read as they mean it', () => {
  const bearer = { Authorization: `Bearer ${OPS_TOKEN}` };

  it('a body sent base64-encoded', async () => {
    const response = await handlerFor()(
      rotateEvent('function-url', { headers: bearer, base64: true }),
      lambdaContext(),
    );

    expect(response.statusCode).toBe(200);
    expect(harness.teo.requests).toHaveLength(1);
  });

  it('a REST API event routed by its resource, whatever its path (a custom domain’s base path)', async () => {
    const event = { ...fixture('rest-api-v1', { headers: bearer }), path: '/gateways/rotate' };

    expect((await handlerFor()(event, lambdaContext())).statusCode).toBe(200);
  });

  it('an IAM caller ARN that is null, as for a caller who did not sign: no principal', async () => {
    const event = fixture('http-api-v2', { headers: bearer });
    event.requestContext.authorizer = { iam: { userArn: null } };

    expect((await handlerFor()(event, lambdaContext())).statusCode).toBe(200);
    expect(auditLine()?.principal).toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['not text', 42],
  ])('a source IP and user agent that are %s: left out of the audit line', async (_, value) => {
    const event = fixture('http-api-v2', { headers: bearer });
    Object.assign(event.requestContext.http as Record<string, unknown>, {
      sourceIp: value,
      userAgent: value,
    });

    expect((await handlerFor()(event, lambdaContext())).statusCode).toBe(200);
    expect(auditLine()).not.toHaveProperty('sourceIp');
    expect(auditLine()).not.toHaveProperty('userAgent');
  });

  it.each([
    ['two values of a multi-value header', { 'Idempotency-Key': ['first', 'second'] }, undefined],
    [
      'two spellings of one header name',
      undefined,
      { 'Idempotency-Key': 'first', 'idempotency-key': 'second' },
    ],
  ])(
    '%s: joined with a comma, as a proxy would, and so refused here',
    async (_, multiValueHeaders, headers) => {
      const event = fixture(multiValueHeaders ? 'rest-api-v1' : 'http-api-v2', { headers: bearer });
      Object.assign(multiValueHeaders ? (event.multiValueHeaders as object) : event.headers, {
        ...multiValueHeaders,
        ...headers,
      });

      const response = await handlerFor()(event, lambdaContext());

      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body).Error.Message).toBe(
        'Idempotency-Key must be 1 to 255 visible ASCII characters, without commas.',
      );
    },
  );
});

describe('a webhook body larger than 8 KiB', () => {
  const many = Array.from({ length: 40 }, (_, i) => ({
    name: `hook-${i}`,
    zones: ['*'],
    webhookSecrets: [`whsec_${Buffer.alloc(32, i + 1).toString('base64')}`],
  }));

  it('is refused with 413 before any signature is computed, even when its signature is wrong', async () => {
    const body = JSON.stringify({ ZoneId: ZONE, SecretKey: KEY, pad: 'x'.repeat(9000) });
    const headers = webhookHeaders(
      webhookVector.secret,
      'msg_big',
      Math.floor(Date.now() / 1000),
      `${body}x`,
    );
    const handler = handlerFor({ ROTATOR_CLIENTS: JSON.stringify([...CALLERS, ...many]) });

    const response = await handler(rotateEvent('http-api-v2', { body, headers }), lambdaContext());

    // Authentication would have answered 401 to the wrong signature: 413 shows the size was checked first.
    expect(response.statusCode).toBe(413);
    expect(JSON.parse(response.body).Error.Code).toBe('RequestSizeLimitExceeded');
    expect(harness.teo.requests).toHaveLength(0);
  });
});

describe('the audit line of a refused request', () => {
  it('names the AWS-verified principal that no caller lists, with the source IP and user agent', async () => {
    const stranger = 'arn:aws:sts::123456789012:assumed-role/intruder/session-1';

    const response = await handlerFor()(
      rotateEvent('http-api-v2-iam', { iamPrincipal: stranger }),
      lambdaContext(),
    );

    expect(response.statusCode).toBe(403);
    expect(auditLine()).toMatchObject({
      outcome: 'refused',
      principal: stranger,
      sourceIp: '203.0.113.10',
      userAgent: 'curl/8.5.0',
    });
  });

  it('records a REST API caller’s source IP and user agent', async () => {
    await handlerFor()(rotateEvent('rest-api-v1'), lambdaContext());

    expect(auditLine()).toMatchObject({ sourceIp: '203.0.113.10', userAgent: 'curl/8.5.0' });
  });

  it('cuts a caller-chosen user agent to 256 characters', async () => {
    const event = fixture('http-api-v2');
    (event.requestContext.http as Record<string, unknown>).userAgent = 'A'.repeat(10_000);

    await handlerFor()(event, lambdaContext());

    expect(auditLine()?.userAgent).toBe('A'.repeat(256));
  });
});
