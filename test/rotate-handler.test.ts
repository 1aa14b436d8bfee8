// docs/contract.md §2 through the handler, for each event source AWS delivers: status, body, headers, and what reached TEO.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { createDynamoDbLedger } from '#lib/adapters/aws/dynamodb-ledger.ts';
import { loadConfig } from '#lib/handlers/config/rotator-config.ts';
import { parseTc3Authorization, signTc3 } from '../emulator/tc3-signature.ts';
import {
  type EventChanges,
  type EventSource,
  lambdaContext,
  rotateEvent,
  SOURCES,
} from './support/events.ts';
import {
  ADMIN_TOKEN,
  FAST_RETRY,
  fingerprint,
  KEY,
  OLD_KEY,
  OPS_TOKEN,
  OPS_TOKEN_NEXT,
  OTHER_ZONE,
  TENCENT_SECRET_KEY,
  testEnvironment,
  ZONE,
} from './support/fake-config.ts';
import { createDocumentedHandler } from './support/openapi.ts';
import { useTeoStandIn } from './support/stand-in-harness.ts';
import { type ScriptedAnswer, teoError } from './support/teo-stand-in.ts';

const harness = useTeoStandIn();

const body = (fields: Record<string, unknown>) => JSON.stringify(fields);
const VALID = body({ ZoneId: ZONE, SecretKey: KEY });

interface Call extends EventChanges {
  /** Sent as `Authorization: Bearer <token>`; null sends no credential. */
  readonly token?: string | null;
  readonly env?: Record<string, string | undefined>;
}

async function call(source: EventSource, { token = OPS_TOKEN, env, headers, ...changes }: Call = {}) {
  const handler = createDocumentedHandler(loadConfig(testEnvironment(harness.teo.url, env)), {
    retry: FAST_RETRY,
  });
  const authorization = token === null ? {} : { Authorization: `Bearer ${token}` };
  const response = await handler(
    rotateEvent(source, { ...changes, headers: { ...authorization, ...headers } }),
    lambdaContext(),
  );
  return { ...response, json: JSON.parse(response.body) };
}

describe.each(SOURCES)('through a %s event', (source) => {
  describe('a valid rotation', () => {
    it("answers 200 with TEO's RequestId after sending TEO exactly the requested key, signed for service teo", async () => {
      const response = await call(source);

      expect(response.statusCode).toBe(200);
      expect(response.json).toEqual({ RequestId: 'req-1', KeyFingerprint: fingerprint(KEY) });
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['content-type']).toBe('application/json');
      expect(harness.teo.requests).toHaveLength(1);
      const [sent] = harness.teo.requests;
      expect(JSON.parse(sent?.body ?? '')).toEqual({ ZoneId: ZONE, SecretKey: KEY });
      expect(sent?.headers['x-tc-action']).toBe('ModifyMultiPathGatewaySecretKey');
      expect(sent?.headers['x-tc-version']).toBe('2022-09-01');
      const authorization = parseTc3Authorization(String(sent?.headers.authorization));
      expect(authorization?.service).toBe('teo');
      const recomputed = signTc3(
        {
          method: 'POST',
          path: '/',
          query: '',
          headers: {
            'content-type': String(sent?.headers['content-type']),
            host: 'teo.intl.tencentcloudapi.com',
          },
          signedHeaders: authorization?.signedHeaders ?? [],
          body: sent?.body ?? '',
          timestamp: Number(sent?.headers['x-tc-timestamp']),
          service: 'teo',
        },
        TENCENT_SECRET_KEY,
      );
      expect(authorization?.signature).toBe(recomputed.signature);
    });

    it('decodes a base64-encoded body before reading it', async () => {
      const response = await call(source, { base64: true });

      expect(response.statusCode).toBe(200);
      expect(JSON.parse(harness.teo.requests[0]?.body ?? '')).toEqual({ ZoneId: ZONE, SecretKey: KEY });
    });

    it('accepts a charset parameter on the media type', async () => {
      const response = await call(source, { headers: { 'Content-Type': 'application/json; charset=UTF-8' } });

      expect(response.statusCode).toBe(200);
    });

    it('accepts either of a caller’s listed tokens, so tokens rotate with overlap', async () => {
      const response = await call(source, { token: OPS_TOKEN_NEXT });

      expect(response.statusCode).toBe(200);
    });

    it('lets a caller granted "*" rotate any zone', async () => {
      const response = await call(source, {
        token: ADMIN_TOKEN,
        body: body({ ZoneId: OTHER_ZONE, SecretKey: KEY }),
      });

      expect(response.statusCode).toBe(200);
      expect(JSON.parse(harness.teo.requests[0]?.body ?? '').ZoneId).toBe(OTHER_ZONE);
    });
  });

  describe('a refused request changes nothing', () => {
    // Each with what the caller is told, and what the audit line tells operators: the error's name and message.
    const refusals: [string, Call, number, string, string, string][] = [
      [
        'ZoneId is absent',
        { body: body({ SecretKey: KEY }) },
        400,
        'MissingParameter',
        'ZoneId is required.',
        'InvalidRequest',
      ],
      [
        'SecretKey is absent',
        { body: body({ ZoneId: ZONE }) },
        400,
        'MissingParameter',
        'SecretKey is required.',
        'InvalidRequest',
      ],
      [
        'ZoneId is not a string',
        { body: body({ ZoneId: 27, SecretKey: KEY }) },
        400,
        'InvalidParameterValue',
        'ZoneId must be a string.',
        'InvalidRequest',
      ],
      [
        'ZoneId has the wrong shape',
        { body: body({ ZoneId: 'zone-ABC', SecretKey: KEY }) },
        400,
        'InvalidParameterValue',
        "ZoneId must be 'zone-' followed by 1 to 64 lower-case letters or digits.",
        'InvalidRequest',
      ],
      [
        'SecretKey is not a string',
        { body: body({ ZoneId: ZONE, SecretKey: 32 }) },
        400,
        'InvalidParameterValue',
        'SecretKey must be a string.',
        'InvalidRequest',
      ],
      [
        'SecretKey is not base64',
        { body: body({ ZoneId: ZONE, SecretKey: `${KEY.slice(0, -2)}!=` }) },
        400,
        'InvalidParameterValue',
        'SecretKey must be standard base64 with canonical = padding and no white space.',
        'InvalidRequest',
      ],
      [
        'SecretKey decodes to 31 bytes',
        { body: body({ ZoneId: ZONE, SecretKey: `${'A'.repeat(40)}AA==` }) },
        400,
        'InvalidParameterValue',
        'SecretKey must decode to 32 to 48 bytes.',
        'InvalidRequest',
      ],
      [
        'SecretKey decodes to 49 bytes',
        { body: body({ ZoneId: ZONE, SecretKey: `${'A'.repeat(64)}AA==` }) },
        400,
        'InvalidParameterValue',
        'SecretKey must decode to 32 to 48 bytes.',
        'InvalidRequest',
      ],
      [
        'the body is malformed JSON',
        { body: '{"ZoneId": ' },
        400,
        'InvalidParameter',
        'The body is not well-formed UTF-8 JSON.',
        'InvalidRequest',
      ],
      [
        'the body gives a field twice (JSON would keep the last)',
        { body: `{"ZoneId":"${ZONE}","SecretKey":"${KEY}","SecretKey":"${OLD_KEY}"}` },
        400,
        'InvalidParameter',
        'The body gives a field twice: JSON would silently keep only the last.',
        'InvalidRequest',
      ],
      [
        'the body is a JSON array',
        { body: '[]' },
        400,
        'InvalidParameter',
        'The body must be a JSON object.',
        'InvalidRequest',
      ],
      [
        'the body has an unknown field',
        { body: body({ ZoneId: ZONE, SecretKey: KEY, zoneId: ZONE }) },
        400,
        'InvalidParameter',
        "The field 'zoneId' is not accepted; the body takes only ZoneId, SecretKey and DryRun.",
        'InvalidRequest',
      ],
      [
        'the body is empty',
        { body: '' },
        400,
        'InvalidParameter',
        'The body is not well-formed UTF-8 JSON.',
        'InvalidRequest',
      ],
      [
        'the caller may not rotate this zone',
        { body: body({ ZoneId: OTHER_ZONE, SecretKey: KEY }) },
        403,
        'UnauthorizedOperation',
        'This caller may not act on this zone.',
        'CallerNotAuthorized',
      ],
      [
        'the body is over 8 KiB',
        { body: VALID + ' '.repeat(8193 - VALID.length) },
        413,
        'RequestSizeLimitExceeded',
        'The body is 8193 bytes; at most 8192 are accepted.',
        'BodyTooLarge',
      ],
      [
        'the media type is not JSON',
        { headers: { 'Content-Type': 'text/plain' } },
        415,
        'UnsupportedMediaType',
        'Content-Type must be application/json (optionally with charset=utf-8).',
        'UnsupportedMediaType',
      ],
      [
        'there is no media type',
        { headers: { 'Content-Type': undefined } },
        415,
        'UnsupportedMediaType',
        'Content-Type must be application/json (optionally with charset=utf-8).',
        'UnsupportedMediaType',
      ],
      [
        'the charset is not UTF-8',
        { headers: { 'Content-Type': 'application/json; charset=latin1' } },
        415,
        'UnsupportedMediaType',
        'Content-Type must be application/json (optionally with charset=utf-8).',
        'UnsupportedMediaType',
      ],
      [
        'the path is not /rotate',
        { path: '/rotate/now' },
        404,
        'NotFound',
        'Nothing is served at this path; see POST /rotate and GET /zones/{ZoneId}.',
        'RouteNotFound',
      ],
      [
        'the method is not POST',
        { method: 'PUT' },
        405,
        'MethodNotAllowed',
        'This path accepts only POST.',
        'MethodNotAllowed',
      ],
    ];

    it.each(refusals)('answers when %s', async (_, request, status, code, message, error) => {
      const response = await call(source, request);

      expect(response.statusCode).toBe(status);
      expect(response.json).toEqual({ Error: { Code: code, Message: message } });
      expect(harness.teo.requests).toHaveLength(0);
      expect(auditLines()).toEqual([
        expect.objectContaining({
          outcome: 'refused',
          status,
          errorCode: code,
          errorDetail: `${error}: ${message}`,
        }),
      ]);
    });

    it('names the field and the rule in the message', async () => {
      const response = await call(source, { body: body({ ZoneId: ZONE, SecretKey: 'c2hvcnQ=' }) });

      expect(response.json.Error.Message).toBe('SecretKey must decode to 32 to 48 bytes.');
    });

    it('names a misspelt field', async () => {
      const response = await call(source, { body: body({ zoneId: ZONE, SecretKey: KEY }) });

      expect(response.json.Error.Message).toBe(
        "The field 'zoneId' is not accepted; the body takes only ZoneId, SecretKey and DryRun.",
      );
    });

    it('says which method is allowed', async () => {
      const response = await call(source, { method: 'GET', body: null });

      expect(response.headers.allow).toBe('POST');
    });
  });

  describe('authentication comes first and says nothing else', () => {
    const unauthenticated: [string, Call][] = [
      ['no credential', { token: null }],
      ['an unknown token', { token: 'test-token-nobody-0000000000000000' }],
      ['a Basic credential', { token: null, headers: { Authorization: 'Basic b3BzOnNlY3JldA==' } }],
      ['a bare "Bearer"', { token: null, headers: { Authorization: 'Bearer ' } }],
      [
        'two joined tokens',
        { token: null, headers: { Authorization: `Bearer ${OPS_TOKEN}, Bearer ${ADMIN_TOKEN}` } },
      ],
      ['an unknown token and an invalid body', { token: 'wrong', body: '{"nope' }],
      ['no credential and an 8 KiB body that is not JSON', { token: null, body: 'x'.repeat(8192) }],
      ['a bearer token and webhook headers', { headers: { 'webhook-id': 'msg_1' } }],
    ];

    it.each(unauthenticated)('answers the same 401 to %s', async (_, request) => {
      const response = await call(source, request);

      expect(response.statusCode).toBe(401);
      expect(response.json).toEqual({
        Error: { Code: 'AuthFailure', Message: 'The request could not be authenticated.' },
      });
      expect(response.headers['www-authenticate']).toBe('Bearer realm="teo-key-rotator"');
      expect(harness.teo.requests).toHaveLength(0);
    });
  });

  describe("TEO's answers", () => {
    const UNKNOWN =
      'Whether the requested key is live is unknown: send the same request again (rotating to the same key twice is harmless).';
    const CREDENTIALS_FAULT =
      "TEO rejected the function's own Tencent Cloud credentials: a deployment fault.";
    // TEO's code, then what the caller gets: status, code and message.
    const answers: [string, number, string, string][] = [
      [
        'InvalidParameterValue',
        422,
        'InvalidParameterValue',
        'TEO refused ModifyMultiPathGatewaySecretKey (InvalidParameterValue).',
      ],
      [
        'ResourceNotFound.ZoneNotFound',
        422,
        'ResourceNotFound.ZoneNotFound',
        'TEO refused ModifyMultiPathGatewaySecretKey (ResourceNotFound.ZoneNotFound).',
      ],
      [
        'OperationDenied',
        422,
        'OperationDenied',
        'TEO refused ModifyMultiPathGatewaySecretKey (OperationDenied).',
      ],
      ['AuthFailure.SignatureFailure', 502, 'AuthFailure.SignatureFailure', CREDENTIALS_FAULT],
      ['UnauthorizedOperation', 502, 'UnauthorizedOperation', CREDENTIALS_FAULT],
      ['UnauthorizedOperation.NoPermission', 502, 'UnauthorizedOperation.NoPermission', CREDENTIALS_FAULT],
      // Only the code's first part says whose fault it is.
      [
        'OperationDenied.AuthFailure',
        422,
        'OperationDenied.AuthFailure',
        'TEO refused ModifyMultiPathGatewaySecretKey (OperationDenied.AuthFailure).',
      ],
      [
        'OperationDenied.InternalError',
        422,
        'OperationDenied.InternalError',
        'TEO refused ModifyMultiPathGatewaySecretKey (OperationDenied.InternalError).',
      ],
    ];

    it.each(answers)(
      "answers TEO's %s with %i %s, keeping its RequestId, without sending the key again",
      async (teoCode, status, code, message) => {
        // After a refusal (not of the function's credentials), Describe shows the zone has a key: only a Create
        // could have succeeded, and it is not sent.
        const credentialsRefused = status === 502;
        const described = { json: { Response: { RequestId: 'req-d', SecretKey: OLD_KEY } } };
        harness.teo.script(teoError(teoCode), ...(credentialsRefused ? [] : [described]));

        const response = await call(source);

        expect(response.statusCode).toBe(status);
        expect(response.json).toEqual({
          Error: { Code: code, Message: message },
          RequestId: `req-error-${teoCode}`,
        });
        // The function's own credentials refused: nothing else is asked of TEO with them.
        expect(harness.teo.requests.map(({ headers }) => headers['x-tc-action'])).toEqual(
          credentialsRefused
            ? ['ModifyMultiPathGatewaySecretKey']
            : ['ModifyMultiPathGatewaySecretKey', 'DescribeMultiPathGatewaySecretKey'],
        );
      },
    );

    const persistent: [string, number, string, string][] = [
      ['InternalError', 502, 'InternalError', `TEO failed internally. ${UNKNOWN}`],
      ['InternalError.DbFailure', 502, 'InternalError.DbFailure', `TEO failed internally. ${UNKNOWN}`],
      ['RequestLimitExceeded', 429, 'RequestLimitExceeded', 'TEO is throttling rotations; retry later.'],
      [
        'RequestLimitExceeded.UinLimitExceeded',
        429,
        'RequestLimitExceeded',
        'TEO is throttling rotations; retry later.',
      ],
    ];

    it.each(persistent)(
      "answers TEO's %s over all three attempts with %i %s",
      async (teoCode, status, code, message) => {
        const answer = teoError(teoCode);
        harness.teo.script(answer, answer, answer);

        const response = await call(source);

        expect(response.statusCode).toBe(status);
        expect(response.json).toEqual({
          Error: { Code: code, Message: message },
          RequestId: `req-error-${teoCode}`,
        });
        expect(harness.teo.requests).toHaveLength(3);
      },
    );

    it("never passes TEO's own message on", async () => {
      harness.teo.script(teoError('InvalidParameterValue', 'internal detail from TEO'), {
        json: { Response: { RequestId: 'req-d', SecretKey: OLD_KEY } },
      });

      const response = await call(source);

      expect(response.statusCode).toBe(422);
      expect(response.body).not.toContain('internal detail from TEO');
    });

    it('sets Retry-After when TEO keeps throttling', async () => {
      const throttled = teoError('RequestLimitExceeded.UinLimitExceeded');
      harness.teo.script(throttled, throttled, throttled);

      const response = await call(source);

      expect(response.statusCode).toBe(429);
      expect(response.headers['retry-after']).toMatch(/^\d+$/);
    });

    const failures: [string, ScriptedAnswer, number, string][] = [
      ['answers HTTP 500', { status: 500, json: { message: 'oops' } }, 502, 'InternalError'],
      ['answers HTTP 503 with a page', { status: 503, text: '<html>busy</html>' }, 502, 'InternalError'],
      [
        'answers 200 with a body that is not JSON',
        { text: '<html>proxy login</html>' },
        502,
        'InternalError',
      ],
      ['answers 200 with JSON that is not its envelope', { json: { ok: true } }, 502, 'InternalError'],
      ['drops the connection', { drop: true }, 502, 'InternalError'],
      [
        'is slower than TEO_TIMEOUT_MS',
        { json: { Response: { RequestId: 'late' } }, delayMs: 1000 },
        504,
        'RequestTimeout',
      ],
    ];

    it.each(failures)(
      'answers when TEO %s every time, saying the key state is unknown',
      async (_, answer, status, code) => {
        // Each attempt's outcome is unknown, and so is every DescribeMultiPathGatewaySecretKey meant to settle it.
        harness.teo.script(...Array(6).fill(answer));

        // Only the late answer may time out: 25 ms is far below its 1 s, and nothing else is timed.
        const timeout = 'delayMs' in answer ? '25' : '10000';

        const response = await call(source, { env: { TEO_TIMEOUT_MS: timeout } });

        expect(response.statusCode).toBe(status);
        expect(response.json.Error.Code).toBe(code);
        expect(response.json.Error.Message).toContain('Whether the requested key is live is unknown');
        expect(response.json.RequestId).toBeUndefined();
        expect(harness.teo.requests.map((sent) => sent.headers['x-tc-action'])).toEqual(
          Array(3).fill(['ModifyMultiPathGatewaySecretKey', 'DescribeMultiPathGatewaySecretKey']).flat(),
        );
      },
    );

    it('answers 502 when TEO cannot be reached at all', async () => {
      const response = await call(source, { env: { TEO_ENDPOINT: 'http://127.0.0.1:9' } });

      expect(response.statusCode).toBe(502);
      expect(response.json.Error.Code).toBe('InternalError');
    });
  });

  it('fails closed with 500 FunctionMisconfigured when its configuration is invalid, before authenticating', async () => {
    const response = await call(source, { env: { ROTATOR_CLIENTS: '[{"name": "x"}]' } });

    expect(response.statusCode).toBe(500);
    expect(response.json).toEqual({
      Error: {
        Code: 'FunctionMisconfigured',
        Message: 'The function is misconfigured; its log says how. Nothing was sent to TEO.',
      },
    });
    expect(harness.teo.requests).toHaveLength(0);
  });
});

const auditLines = () => harness.output.lines().filter((line) => line.message === 'rotation request');

describe('warm invocations', () => {
  it("reuse TEO's connection: a warm rotation makes no new connection (deployed: no new TLS handshake)", async () => {
    const handler = createDocumentedHandler(loadConfig(testEnvironment(harness.teo.url)), {
      retry: FAST_RETRY,
    });
    const rotate = () =>
      handler(
        rotateEvent('http-api-v2', { headers: { Authorization: `Bearer ${OPS_TOKEN}` } }),
        lambdaContext(),
      );

    const statuses = [(await rotate()).statusCode, (await rotate()).statusCode];

    expect(statuses).toEqual([200, 200]);
    const [first, second] = harness.teo.requests;
    expect(second?.connection).toBe(first?.connection);
  });
});

describe('the audit line', () => {
  it('records who rotated which zone, the outcome, TEO’s RequestId and the key’s fingerprint', async () => {
    await call('http-api-v2');

    const [line, ...others] = auditLines();
    expect(others).toEqual([]);
    expect(line).toMatchObject({
      level: 'INFO',
      message: 'rotation request',
      service: 'teo-key-rotator',
      function_request_id: 'c0ffee00-0000-4000-8000-000000000001',
      outcome: 'rotated',
      status: 200,
      caller: 'ops-cli',
      authKind: 'bearer',
      zone: ZONE,
      teoRequestId: 'req-1',
      teoAttempts: 1,
      // HMAC-SHA256 under the deployment's fingerprint key (computed with openssl, docs/contract.md §6).
      keyFingerprint: '9ff9c01d543b599d',
      durationMs: expect.any(Number),
    });
    // What did not happen is not on the line: it was no dry run, no replay, and nothing needed settling.
    expect(line).not.toHaveProperty('dryRun');
    expect(line).not.toHaveProperty('replayed');
    expect(line).not.toHaveProperty('settledBy');
  });

  it('is written for a refused request too, with the reason for operators', async () => {
    await call('rest-api-v1', { token: 'test-token-nobody-0000000000000000' });

    expect(auditLines()).toEqual([
      expect.objectContaining({
        outcome: 'refused',
        status: 401,
        errorCode: 'AuthFailure',
        errorDetail: 'bearer credential did not verify',
      }),
    ]);
  });

  it('lists every configuration problem when the function fails closed', async () => {
    await call('function-url', { env: { TENCENTCLOUD_SECRET_KEY: undefined, TEO_TIMEOUT_MS: 'soon' } });

    expect(auditLines()).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        outcome: 'failed',
        status: 500,
        errorDetail: [
          'TENCENTCLOUD_SECRET_KEY is not set',
          'TEO_TIMEOUT_MS must be a whole number of milliseconds from 1 to 60000',
        ],
      }),
    ]);
  });
});

describe('a step besides TEO that hangs or fails', () => {
  /** A handler whose ledger is DynamoDB at a loopback server that answers as `answer` does. */
  async function withDynamoDb(answer: http.RequestListener) {
    const server = http.createServer(answer);
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const env = {
      AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'fake-test-key',
      AWS_SECRET_ACCESS_KEY: 'fake-test-secret',
    };
    const handler = createDocumentedHandler(loadConfig(testEnvironment(harness.teo.url)), {
      ledger: createDynamoDbLedger('rotations', { client: awsJsonClient('dynamodb', { env }) }),
    });
    const close = () => {
      server.closeAllConnections();
      server.close();
    };
    return { handler, close };
  }

  it('answers 504 before Lambda ends the invocation when a step it waits on does not answer', async () => {
    // A DynamoDB endpoint that takes requests and never answers: the lease is never granted or refused.
    const { handler, close } = await withDynamoDb(() => undefined);
    try {
      // Lambda would end it 50 ms after the 500 ms the function keeps for answering.
      const response = await handler(
        rotateEvent('http-api-v2', { headers: { Authorization: `Bearer ${OPS_TOKEN}` } }),
        lambdaContext(550),
      );

      expect(response.statusCode).toBe(504);
      expect(JSON.parse(response.body)).toEqual({
        Error: { Code: 'RequestTimeout', Message: 'The function ran out of time before TEO answered.' },
      });
      expect(harness.teo.requests).toEqual([]);
      expect(auditLines()).toEqual([
        expect.objectContaining({
          outcome: 'failed',
          status: 504,
          errorDetail: 'DeadlineExceeded: The Lambda is about to time out.',
        }),
      ]);
    } finally {
      close();
    }
  });

  it('answers 500 InternalError, saying no more, when a step fails in a way it has no answer for', async () => {
    // DynamoDB refusing every call: the table is missing.
    const { handler, close } = await withDynamoDb((_, response) =>
      response
        .writeHead(400, { 'content-type': 'application/x-amz-json-1.0' })
        .end('{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"not found"}'),
    );
    try {
      const response = await handler(
        rotateEvent('http-api-v2', { headers: { Authorization: `Bearer ${OPS_TOKEN}` } }),
        lambdaContext(),
      );

      expect(response.statusCode).toBe(500);
      expect(JSON.parse(response.body)).toEqual({
        Error: { Code: 'InternalError', Message: 'Internal error.' },
      });
      expect(harness.teo.requests).toEqual([]);
      expect(auditLines()).toEqual([
        expect.objectContaining({
          level: 'ERROR',
          outcome: 'failed',
          status: 500,
          errorDetail: 'AwsError: AWS answered ResourceNotFoundException (HTTP 400)',
        }),
      ]);
    } finally {
      close();
    }
  });
});
