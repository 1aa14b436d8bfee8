// docs/contract.md §5 and §6 through the handler against the stateful TEO emulator: retries, settled outcomes, one rotation
// per zone at a time, redelivery, and the audit line and metrics that record them.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsError, awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { createDynamoDbLedger } from '#lib/adapters/aws/dynamodb-ledger.ts';
import { eventBridgeEvents } from '#lib/adapters/aws/rotation-events.ts';
import { createInMemoryLedger } from '#lib/domain/ledger/in-memory-ledger.ts';
import type { RotationLedger } from '#lib/domain/ledger/rotation-ledger.ts';
import { type Clock, systemClock } from '#lib/domain/retry.ts';
import { loadConfig } from '#lib/handlers/config/rotator-config.ts';
import type { Fault, TeoEmulator } from '../emulator/teo-emulator.ts';
import { DEMO_TENCENT, DEMO_ZONES, startDemoEmulator } from '../local/demo-setup.ts';
import { type CapturedOutput, captureOutput } from './support/captured-output.ts';
import { type LocalDynamoDb, startDynalite } from './support/dynalite.ts';
import { lambdaContext, rotateEvent } from './support/events.ts';
import { FAST_RETRY, FINGERPRINT_KEY, fingerprint, sha256Hex } from './support/fake-config.ts';
import { whileAtTeo } from './support/held-at-teo.ts';
import { createDocumentedHandler } from './support/openapi.ts';
import { webhookHeaders } from './support/webhooks.ts';

const [ZONE = '', OTHER_ZONE = ''] = DEMO_ZONES;
const TOKEN = 'test-token-delivery-0123456789';
const OTHER_TOKEN = 'test-token-delivery-other-98765';
const HOOK_SECRET = `whsec_${Buffer.from('delivery-test-webhook-secret-1').toString('base64')}`;
const OTHER_HOOK_SECRET = `whsec_${Buffer.from('delivery-test-webhook-secret-2').toString('base64')}`;
const MODIFY = 'ModifyMultiPathGatewaySecretKey';
const DESCRIBE = 'DescribeMultiPathGatewaySecretKey';
const TIMEOUT_MS = 300;

let emulator: TeoEmulator;
let dynamo: LocalDynamoDb;
let output: CapturedOutput;
beforeAll(async () => {
  // TEO's 20 requests/s limit runs on the wall clock: here throttling is injected, so the tests' pace does not matter.
  [emulator, dynamo] = await Promise.all([
    startDemoEmulator({ rateLimitPerSecond: Number.POSITIVE_INFINITY }),
    startDynalite(),
  ]);
});
afterAll(async () => {
  await Promise.all([emulator.close(), dynamo.close()]);
});
beforeEach(() => {
  output = captureOutput();
});
afterEach(async () => {
  output.restore();
  emulator.clearFaults();
  // Late answers to timed-out calls land after a test; let them, then start the next one clean.
  await emulator.settled();
  emulator.calls.length = 0;
});

const env = {
  TENCENTCLOUD_SECRET_ID: DEMO_TENCENT.secretId,
  TENCENTCLOUD_SECRET_KEY: DEMO_TENCENT.secretKey,
  ROTATOR_FINGERPRINT_KEY: FINGERPRINT_KEY,
  TEO_TIMEOUT_MS: String(TIMEOUT_MS),
  ROTATOR_CLIENTS: JSON.stringify([
    { name: 'ops', zones: ['*'], tokenSha256: [sha256Hex(TOKEN)] },
    { name: 'other-ops', zones: ['*'], tokenSha256: [sha256Hex(OTHER_TOKEN)] },
    { name: 'hook', zones: ['*'], webhookSecrets: [HOOK_SECRET] },
    { name: 'other-hook', zones: ['*'], webhookSecrets: [OTHER_HOOK_SECRET] },
  ]),
};

const handlerWith = (ledger: RotationLedger = createInMemoryLedger(), clock: Clock = systemClock) =>
  createDocumentedHandler(loadConfig({ ...env, TEO_ENDPOINT: emulator.url }), {
    ledger,
    retry: FAST_RETRY,
    clock,
  });

const newKey = () => randomBytes(32).toString('base64');
const bodyFor = (secretKey: string, zoneId = ZONE) =>
  JSON.stringify({ ZoneId: zoneId, SecretKey: secretKey });

interface Send {
  readonly handler?: ReturnType<typeof handlerWith>;
  readonly body: string;
  readonly headers?: Record<string, string>;
  readonly remainingMs?: number;
  /** The invocation's Context; a fresh one by default. */
  readonly context?: Context;
}

async function send({
  handler = handlerWith(),
  body,
  headers = { authorization: `Bearer ${TOKEN}` },
  remainingMs,
  context = lambdaContext(remainingMs),
}: Send) {
  const response = await handler(rotateEvent('http-api-v2', { body, headers }), context);
  return { ...response, json: JSON.parse(response.body) };
}

const actions = () => emulator.calls.map((call) => call.action);
const count = (action: string) => actions().filter((name) => name === action).length;
const auditLines = () => output.lines().filter((line) => line.message === 'rotation request');

describe('retries and settled outcomes', () => {
  it('retries a transient InternalError and succeeds', async () => {
    const key = newKey();
    emulator.inject({ kind: 'error', code: 'InternalError' });

    const response = await send({ body: bodyFor(key) });

    expect(response.statusCode).toBe(200);
    expect(emulator.calls.map((call) => call.answer)).toEqual(['InternalError', 'ok']);
    expect(emulator.zoneKey(ZONE)).toBe(key);
    expect(auditLines()[0]).toMatchObject({ outcome: 'rotated', teoAttempts: 2 });
  });

  it('gives up after three InternalErrors, with the previous key still live', async () => {
    const before = emulator.zoneKey(ZONE);
    emulator.inject(...Array<Fault>(3).fill({ kind: 'error', code: 'InternalError' }));

    const response = await send({ body: bodyFor(newKey()) });

    expect(response.statusCode).toBe(502);
    expect(response.json.Error.Code).toBe('InternalError');
    expect(actions()).toEqual([MODIFY, MODIFY, MODIFY]);
    expect(emulator.zoneKey(ZONE)).toBe(before);
  });

  it('retries throttling, and answers 429 with Retry-After when it persists', async () => {
    const key = newKey();
    emulator.inject({ kind: 'error', code: 'RequestLimitExceeded' });
    expect((await send({ body: bodyFor(key) })).statusCode).toBe(200);
    expect(emulator.zoneKey(ZONE)).toBe(key);
    emulator.calls.length = 0;

    emulator.inject(
      ...Array<Fault>(3).fill({ kind: 'error', code: 'RequestLimitExceeded.UinLimitExceeded' }),
    );
    const response = await send({ body: bodyFor(newKey()) });

    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('1');
    expect(count(MODIFY)).toBe(3);
    expect(emulator.zoneKey(ZONE)).toBe(key);
  });

  it('never retries what TEO refused: Describe shows the zone has a key, so no other call could succeed', async () => {
    emulator.inject({ kind: 'error', code: 'OperationDenied' });

    const response = await send({ body: bodyFor(newKey()) });

    expect(response.statusCode).toBe(422);
    expect(actions()).toEqual([MODIFY, DESCRIBE]);
  });

  it('settles a timeout after TEO applied the key by reading it back: success, sent once', async () => {
    const key = newKey();
    emulator.inject({ kind: 'latency', delayMs: TIMEOUT_MS + 100, applied: true });

    const response = await send({ body: bodyFor(key) });

    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({
      RequestId: expect.any(String),
      KeyFingerprint: fingerprint(key),
      SettledBy: DESCRIBE,
    });
    await emulator.settled();
    expect(count(MODIFY)).toBe(1);
    expect(count(DESCRIBE)).toBe(1);
    expect(emulator.zoneKey(ZONE)).toBe(key);
    expect(auditLines()[0]).toMatchObject({ outcome: 'rotated', settledBy: DESCRIBE, teoAttempts: 1 });
    // Describe answered with the live key: it went no further than the comparison.
    expect(output.text()).not.toContain(key);
    expect(response.body).not.toContain(key);
  });

  it('retries a timeout before TEO applied the key, once reading it back shows the old key', async () => {
    const key = newKey();
    emulator.inject({ kind: 'drop', delayMs: TIMEOUT_MS + 100 });

    const response = await send({ body: bodyFor(key) });

    expect(response.statusCode).toBe(200);
    expect(response.json.SettledBy).toBeUndefined();
    await emulator.settled();
    expect(count(MODIFY)).toBe(2);
    expect(count(DESCRIBE)).toBe(1);
    expect(emulator.zoneKey(ZONE)).toBe(key);
  });

  it.each([
    ['an HTTP 5xx', { kind: 'http-status', status: 502, applied: true }],
    ['a body that is not JSON', { kind: 'non-json', applied: true }],
    ['a dropped connection', { kind: 'drop', applied: true }],
  ] as [string, Fault][])('settles %s after TEO applied the key: success', async (_, fault) => {
    const key = newKey();
    emulator.inject(fault);

    const response = await send({ body: bodyFor(key) });

    expect(response.statusCode).toBe(200);
    expect(response.json.SettledBy).toBe(DESCRIBE);
    expect(actions()).toEqual([MODIFY, DESCRIBE]);
    expect(emulator.zoneKey(ZONE)).toBe(key);
  });

  it('says the previous key is still live when every attempt failed and reading it back shows so', async () => {
    const before = emulator.zoneKey(ZONE);
    emulator.inject(
      { kind: 'http-status', status: 503 },
      { kind: 'latency' },
      { kind: 'http-status', status: 503 },
      { kind: 'latency' },
      { kind: 'http-status', status: 503 },
    );

    const response = await send({ body: bodyFor(newKey()) });

    expect(response.statusCode).toBe(502);
    expect(response.json.Error.Message).toContain(
      'DescribeMultiPathGatewaySecretKey shows the previous key still live',
    );
    expect(actions()).toEqual([MODIFY, DESCRIBE, MODIFY, DESCRIBE, MODIFY, DESCRIBE]);
    expect(emulator.zoneKey(ZONE)).toBe(before);
  });
});

describe('when the ledger fails after TEO has answered', () => {
  /** The ledger, with one operation failing as DynamoDB does when it is unavailable. */
  const failingAt = (
    operation: 'releaseZone' | 'finishRequest' | 'claimRequest',
    ledger = createInMemoryLedger(),
  ): RotationLedger => ({
    claimRequest: (...args) => ledger.claimRequest(...args),
    finishRequest: (...args) => ledger.finishRequest(...args),
    acquireZone: (...args) => ledger.acquireZone(...args),
    lastApplied: (...args) => ledger.lastApplied(...args),
    releaseZone: (...args) => ledger.releaseZone(...args),
    recordSync: (...args) => ledger.recordSync(...args),
    syncHealthOf: (...args) => ledger.syncHealthOf(...args),
    [operation]: async () => {
      throw new AwsError('ServiceUnavailable', 503);
    },
  });

  it.each(['releaseZone', 'finishRequest'] as const)(
    'answers the rotation TEO applied, 200 with its RequestId, when %s fails: logged at ERROR and counted',
    async (operation) => {
      const key = newKey();

      const response = await send({
        handler: handlerWith(failingAt(operation)),
        body: bodyFor(key),
        headers: { authorization: `Bearer ${TOKEN}`, 'idempotency-key': `ledger-down-${operation}` },
      });

      expect(response.statusCode).toBe(200);
      expect(response.json).toEqual({
        RequestId: emulator.calls[0]?.requestId,
        KeyFingerprint: fingerprint(key),
      });
      expect(emulator.zoneKey(ZONE)).toBe(key);
      expect(auditLines()).toEqual([
        expect.objectContaining({
          level: 'ERROR',
          outcome: 'rotated',
          status: 200,
          ledgerFailures: [`${operation}: AwsError: AWS answered ServiceUnavailable (HTTP 503)`],
          LedgerFailures: 1,
        }),
      ]);
      expect(output.text()).not.toContain(key);
    },
  );

  it('answers 401 to a webhook refused for its time even when recording its id fails, saying so at ERROR', async () => {
    const body = bodyFor(newKey());
    const headers = webhookHeaders(
      HOOK_SECRET,
      'msg_skewed_ledger_down',
      Math.floor(Date.now() / 1000) - 301,
      body,
    );

    const response = await send({ handler: handlerWith(failingAt('claimRequest')), body, headers });

    expect([response.statusCode, response.json.Error.Code]).toEqual([401, 'AuthFailure']);
    expect(auditLines()[0]).toMatchObject({
      level: 'ERROR',
      outcome: 'refused',
      ledgerFailures: ['claimRequest: AwsError: AWS answered ServiceUnavailable (HTTP 503)'],
    });
  });

  it("keeps TEO's refusal as the answer when the release after it fails", async () => {
    emulator.inject({ kind: 'error', code: 'InvalidParameterValue' });

    const response = await send({ handler: handlerWith(failingAt('releaseZone')), body: bodyFor(newKey()) });

    expect([response.statusCode, response.json.Error.Code]).toEqual([422, 'InvalidParameterValue']);
    expect(auditLines()[0]).toMatchObject({ level: 'ERROR', outcome: 'refused', LedgerFailures: 1 });
  });

  it('says the key state is unknown when the function runs out of time after the key was sent', async () => {
    // EventBridge takes the event and never answers: the Lambda's time runs out after TEO applied the key.
    const silent = http.createServer(() => undefined);
    await new Promise<void>((listening) => silent.listen(0, '127.0.0.1', listening));
    const handler = createDocumentedHandler(loadConfig({ ...env, TEO_ENDPOINT: emulator.url }), {
      ledger: createInMemoryLedger(),
      retry: FAST_RETRY,
      events: eventBridgeEvents(
        'default',
        awsJsonClient('events', {
          env: {
            AWS_ENDPOINT_URL_EVENTBRIDGE: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
            AWS_REGION: 'eu-west-1',
            AWS_ACCESS_KEY_ID: 'fake-test-key',
            AWS_SECRET_ACCESS_KEY: 'fake-test-secret',
          },
        }),
      ),
    });
    try {
      // Lambda would end it 150 ms after the 500 ms the function keeps for answering.
      const response = await send({ handler, body: bodyFor(newKey()), remainingMs: 650 });

      expect(response.statusCode).toBe(504);
      expect(response.json.Error.Message).toContain(
        'Whether the requested key is live is unknown: send the same request again',
      );
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

describe('one rotation per zone at a time', () => {
  const concurrently = async (handlers: ReturnType<typeof handlerWith>[], zoneIds: string[]) => {
    emulator.inject({ kind: 'latency', delayMs: 100 });
    return Promise.all(
      zoneIds.map((zoneId, i) =>
        send({ handler: handlers[i % handlers.length] ?? handlerWith(), body: bodyFor(newKey(), zoneId) }),
      ),
    );
  };

  it('lets exactly one of many simultaneous rotations of a zone reach TEO; the others get 409 at once', async () => {
    const handler = handlerWith();

    const responses = await concurrently([handler], Array(8).fill(ZONE));

    expect(responses.filter((response) => response.statusCode === 200)).toHaveLength(1);
    const refused = responses.filter((response) => response.statusCode === 409);
    expect(refused).toHaveLength(7);
    expect(refused.every((response) => response.json.Error.Code === 'ResourceInUse')).toBe(true);
    expect(count(MODIFY)).toBe(1);

    const next = newKey();
    expect((await send({ handler, body: bodyFor(next) })).statusCode).toBe(200);
    expect(emulator.zoneKey(ZONE)).toBe(next);
  });

  it('holds across Lambda instances configured with the same ROTATOR_TABLE, as deployed', async () => {
    // Each instance reaches DynamoDB (dynalite) through the standard endpoint variable, as the AWS SDKs do.
    for (const [name, value] of Object.entries(dynamo.env)) vi.stubEnv(name, value);
    try {
      const config = loadConfig({ ...env, TEO_ENDPOINT: emulator.url, ROTATOR_TABLE: dynamo.table });
      const instances = [1, 2].map(() => createDocumentedHandler(config, { retry: FAST_RETRY }));

      const responses = await concurrently(instances, Array(8).fill(ZONE));

      expect(responses.map((response) => response.statusCode).sort()).toEqual([200, ...Array(7).fill(409)]);
      expect(count(MODIFY)).toBe(1);
      const next = await send({ handler: instances[1] ?? handlerWith(), body: bodyFor(newKey()) });
      expect(next.statusCode).toBe(200);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('lets rotations of different zones run side by side', async () => {
    const responses = await concurrently([handlerWith()], [ZONE, OTHER_ZONE]);

    expect(responses.map((response) => response.statusCode)).toEqual([200, 200]);
  });
});

const ledgers: [string, (now?: () => number) => Promise<RotationLedger>][] = [
  ['in memory', async (now = Date.now) => createInMemoryLedger(now)],
  [
    'DynamoDB (dynalite)',
    async (now = Date.now) => createDynamoDbLedger(dynamo.table, { client: dynamo.client, now }),
  ],
];

describe.each(ledgers)('redelivery, with the ledger %s', (_, createLedger) => {
  let handler: ReturnType<typeof handlerWith>;
  let id: string;
  beforeEach(async () => {
    handler = handlerWith(await createLedger());
    id = `msg_${randomBytes(8).toString('hex')}`;
  });

  const hook = (body: string, secret = HOOK_SECRET) => ({
    body,
    headers: webhookHeaders(secret, id, Math.floor(Date.now() / 1000), body),
  });
  const keyed = (body: string, token = TOKEN) => ({
    body,
    headers: { authorization: `Bearer ${token}`, 'idempotency-key': id },
  });

  it('gives a redelivered webhook the first answer again without calling TEO twice', async () => {
    const body = bodyFor(newKey());

    const first = await send({ handler, ...hook(body) });
    const again = await send({ handler, ...hook(body) });

    expect(first.statusCode).toBe(200);
    expect(again.body).toBe(first.body);
    expect(count(MODIFY)).toBe(1);
    expect(auditLines().map((line) => [line.outcome, line.replayed])).toEqual([
      ['rotated', undefined],
      ['replayed', true],
    ]);
  });

  it('keeps each invocation to its own claim and audit line when the host passes the same Context again', async () => {
    const context = lambdaContext();
    const body = bodyFor(newKey());
    const first = await send({ handler, ...keyed(body), context });
    const unsigned = { authorization: 'Bearer not-a-token' };
    const refused = await send({ handler, body: bodyFor(newKey()), headers: unsigned, context });

    const again = await send({ handler, ...keyed(body) });

    expect([first.statusCode, refused.statusCode, again.body]).toEqual([200, 401, first.body]);
    expect(auditLines().map((line) => [line.outcome, line.caller, line.zone, line.teoAttempts])).toEqual([
      ['rotated', 'ops', ZONE, 1],
      ['refused', undefined, undefined, 0],
      ['replayed', 'ops', ZONE, 0],
    ]);
  });

  it('answers 409 to a redelivery with another body, and changes nothing', async () => {
    const key = newKey();
    await send({ handler, ...hook(bodyFor(key)) });

    const response = await send({ handler, ...hook(bodyFor(newKey())) });

    expect(response.statusCode).toBe(409);
    expect(response.json.Error.Code).toBe('IdempotentParameterMismatch');
    expect(count(MODIFY)).toBe(1);
    expect(emulator.zoneKey(ZONE)).toBe(key);
  });

  it('keeps the ids of different callers apart', async () => {
    await send({ handler, ...hook(bodyFor(newKey())) });
    const other = await send({ handler, ...hook(bodyFor(newKey()), OTHER_HOOK_SECRET) });

    expect(other.statusCode).toBe(200);
    expect(count(MODIFY)).toBe(2);
  });

  it('does the same for an Idempotency-Key header from a bearer caller', async () => {
    const body = bodyFor(newKey());

    const first = await send({ handler, ...keyed(body) });
    const again = await send({ handler, ...keyed(body) });
    const otherCaller = await send({ handler, ...keyed(body, OTHER_TOKEN) });
    const otherBody = await send({ handler, ...keyed(bodyFor(newKey())) });

    expect(again.body).toBe(first.body);
    expect(otherCaller.statusCode).toBe(200);
    expect(otherBody.statusCode).toBe(409);
    expect(count(MODIFY)).toBe(2);
  });

  it('answers 409 RequestInProgress to a redelivery while the first is still in flight', async () => {
    const body = bodyFor(newKey());
    // The first delivery holds its claim: taken here as the handler takes it, for a Lambda still running.
    const ledger = await createLedger();
    handler = handlerWith(ledger);
    const inFlight = Date.now() + 60_000;
    await ledger.claimRequest(`ops#${id}`, sha256Hex(body), { leaseUntil: inFlight, keepUntil: inFlight });

    const again = await send({ handler, ...keyed(body) });

    expect([again.statusCode, again.json.Error.Code]).toEqual([409, 'RequestInProgress']);
    expect(count(MODIFY)).toBe(0);
  });

  it('answers 409 RequestInProgress to a redelivery sent while the first delivery is still running', async () => {
    const body = bodyFor(newKey());
    const [first, again] = await whileAtTeo(
      emulator,
      () => send({ handler, ...keyed(body) }),
      () => send({ handler, ...keyed(body) }),
    );

    expect([first.statusCode, again.statusCode, again.json.Error.Code]).toEqual([
      200,
      409,
      'RequestInProgress',
    ]);
    expect(count(MODIFY)).toBe(1);
  });

  it("answers 409 ResourceInUse, not RequestInProgress, to a new request while the zone's lease is held", async () => {
    const ledger = await createLedger();
    handler = handlerWith(ledger);
    await ledger.acquireZone(ZONE, 'another-invocation', Date.now() + 60_000);

    const response = await send({ handler, ...keyed(bodyFor(newKey())) }).finally(() =>
      ledger.releaseZone(ZONE, 'another-invocation'),
    );

    expect([response.statusCode, response.json.Error.Code]).toEqual([409, 'ResourceInUse']);
    expect(count(MODIFY)).toBe(0);
  });

  it('gives the first answer again for 3 days, and after them takes the id as new', async () => {
    let now = Date.now();
    const clock = { now: () => now, sleep: async () => undefined, random: () => 0 };
    const timed = createDocumentedHandler(loadConfig({ ...env, TEO_ENDPOINT: emulator.url }), {
      ledger: await createLedger(() => now),
      retry: FAST_RETRY,
      clock,
    });
    // A zone TEO does not know, whose refusal is a final answer, kept like a success: the other tests' zones are
    // fenced at their real time, which this clock leaves behind.
    const body = bodyFor(newKey(), 'zone-notknowntoteo');

    const first = await send({ handler: timed, ...keyed(body) });
    now += 3 * 24 * 60 * 60 * 1000;
    const within = await send({ handler: timed, ...keyed(body) });
    now += 1;
    const after = await send({ handler: timed, ...keyed(body) });

    expect([first.statusCode, first.json.Error.Code]).toEqual([422, 'ResourceNotFound']);
    expect(within.body).toBe(first.body);
    expect(after.statusCode).toBe(422);
    expect(after.json.RequestId).not.toBe(first.json.RequestId);
    expect(count(MODIFY)).toBe(2);
  });

  it('lets a redelivery try again after a failure', async () => {
    const key = newKey();
    emulator.inject(...Array<Fault>(3).fill({ kind: 'error', code: 'InternalError' }));
    expect((await send({ handler, ...keyed(bodyFor(key)) })).statusCode).toBe(502);

    const again = await send({ handler, ...keyed(bodyFor(key)) });

    expect(again.statusCode).toBe(200);
    expect(count(MODIFY)).toBe(4);
    expect(emulator.zoneKey(ZONE)).toBe(key);
  });

  it("gives TEO's refusal again without asking TEO twice", async () => {
    emulator.inject({ kind: 'error', code: 'OperationDenied' });
    const body = bodyFor(newKey());

    const first = await send({ handler, ...keyed(body) });
    const again = await send({ handler, ...keyed(body) });

    expect(first.statusCode).toBe(422);
    expect(again.body).toBe(first.body);
    expect(count(MODIFY)).toBe(1);
  });

  describe('a delayed redelivery never rolls the zone back', () => {
    // The system's clock, never reading the same millisecond twice: the later request is always first seen later,
    // as it would be, without the test waiting for the clock to move.
    let last = 0;
    const clock: Clock = {
      ...systemClock,
      now: () => {
        last = Math.max(Date.now(), last + 1);
        return last;
      },
    };
    let ledger: RotationLedger;
    beforeEach(async () => {
      ledger = await createLedger(clock.now);
      handler = handlerWith(ledger, clock);
    });
    const otherId = () => `msg_${randomBytes(8).toString('hex')}`;
    const hookWith = (messageId: string, body: string) => ({
      body,
      headers: webhookHeaders(HOOK_SECRET, messageId, Math.floor(Date.now() / 1000), body),
    });

    it('refuses a webhook first refused with 409, redelivered after a later one applied its key', async () => {
      const older = bodyFor(newKey());
      const later = newKey();
      const [inFlight, refused] = await whileAtTeo(
        emulator,
        () => send({ handler, body: bodyFor(newKey()) }),
        () => send({ handler, ...hookWith(id, older) }),
      );
      expect([inFlight.statusCode, refused.statusCode, refused.json.Error.Code]).toEqual([
        200,
        409,
        'ResourceInUse',
      ]);
      expect((await send({ handler, ...hookWith(otherId(), bodyFor(later)) })).statusCode).toBe(200);
      const modifies = count(MODIFY);

      const redelivered = await send({ handler, ...hookWith(id, older) });

      expect(redelivered.statusCode).toBe(409);
      expect(redelivered.json.Error.Code).toBe('RequestSuperseded');
      expect(redelivered.json.Error.Message).toContain('would roll the zone back');
      expect(count(MODIFY)).toBe(modifies);
      expect(emulator.zoneKey(ZONE)).toBe(later);
    });

    it('refuses a webhook first refused 401 for its time (clock skew), redelivered after a later one applied', async () => {
      const older = bodyFor(newKey());
      const later = newKey();
      const skewed = {
        body: older,
        headers: webhookHeaders(HOOK_SECRET, id, Math.floor(Date.now() / 1000) - 301, older),
      };
      const refused = await send({ handler, ...skewed });
      expect([refused.statusCode, refused.json.Error.Code]).toEqual([401, 'AuthFailure']);
      expect((await send({ handler, ...hookWith(otherId(), bodyFor(later)) })).statusCode).toBe(200);

      const redelivered = await send({ handler, ...hookWith(id, older) });

      expect([redelivered.statusCode, redelivered.json.Error.Code]).toEqual([409, 'RequestSuperseded']);
      expect(emulator.zoneKey(ZONE)).toBe(later);
    });

    it('records nothing for a stale webhook whose signature does not verify', async () => {
      const body = bodyFor(newKey());
      const forged = {
        body,
        headers: webhookHeaders(
          OTHER_HOOK_SECRET.replace('w', 'W'),
          id,
          Math.floor(Date.now() / 1000) - 301,
          body,
        ),
      };
      expect((await send({ handler, ...forged })).statusCode).toBe(401);
      expect((await send({ handler, ...hookWith(otherId(), bodyFor(newKey())) })).statusCode).toBe(200);

      // Had the forgery been recorded, this first real delivery would count as first seen before the later one.
      expect((await send({ handler, ...hookWith(id, body) })).statusCode).toBe(200);
    });

    it('refuses a webhook first refused 403 (its zone not yet granted), redelivered after a later one applied', async () => {
      const narrow = createDocumentedHandler(
        loadConfig({
          ...env,
          TEO_ENDPOINT: emulator.url,
          ROTATOR_CLIENTS: JSON.stringify([
            { name: 'hook', zones: [OTHER_ZONE], webhookSecrets: [HOOK_SECRET] },
          ]),
        }),
        { ledger, retry: FAST_RETRY, clock },
      );
      const older = bodyFor(newKey());
      const later = newKey();
      const refused = await send({ handler: narrow, ...hookWith(id, older) });
      expect([refused.statusCode, refused.json.Error.Code]).toEqual([403, 'UnauthorizedOperation']);
      expect((await send({ handler, ...hookWith(otherId(), bodyFor(later)) })).statusCode).toBe(200);

      const redelivered = await send({ handler, ...hookWith(id, older) });

      expect([redelivered.statusCode, redelivered.json.Error.Code]).toEqual([409, 'RequestSuperseded']);
      expect(emulator.zoneKey(ZONE)).toBe(later);
    });

    it('refuses an Idempotency-Key request whose outcome was unknown, redelivered after a later one applied', async () => {
      const older = bodyFor(newKey());
      const later = newKey();
      emulator.inject(...Array<Fault>(6).fill({ kind: 'http-status', status: 503 }));
      const unknown = await send({ handler, ...keyed(older) });
      expect([unknown.statusCode, unknown.json.Error.Message]).toEqual([
        502,
        expect.stringContaining('unknown'),
      ]);
      expect((await send({ handler, body: bodyFor(later) })).statusCode).toBe(200);

      const redelivered = await send({ handler, ...keyed(older) });

      expect(redelivered.json.Error.Code).toBe('RequestSuperseded');
      expect(emulator.zoneKey(ZONE)).toBe(later);
    });

    it('still applies a redelivery when nothing first seen later was sent to TEO', async () => {
      const key = newKey();
      emulator.inject(...Array<Fault>(6).fill({ kind: 'http-status', status: 503 }));
      expect((await send({ handler, ...keyed(bodyFor(key)) })).statusCode).toBe(502);

      const redelivered = await send({ handler, ...keyed(bodyFor(key)) });

      expect(redelivered.statusCode).toBe(200);
      expect(emulator.zoneKey(ZONE)).toBe(key);
    });
  });

  it.each(['!', '~', '+-', 'x'.repeat(255)])(
    'takes the Idempotency-Key %j, at the edges of the visible ASCII it allows, and answers its redelivery again',
    async (value) => {
      const request = {
        handler,
        body: bodyFor(newKey()),
        headers: { authorization: `Bearer ${TOKEN}`, 'idempotency-key': `${value}` },
      };

      const first = await send(request);
      const again = await send(request);

      expect([first.statusCode, again.body]).toEqual([200, first.body]);
      expect(count(MODIFY)).toBe(1);
    },
  );

  it.each(['a,b', 'x'.repeat(256), 'with space', 'tab\there', 'del\u007f'])(
    'refuses the Idempotency-Key %j',
    async (value) => {
      const response = await send({
        handler,
        body: bodyFor(newKey()),
        headers: { authorization: `Bearer ${TOKEN}`, 'idempotency-key': value },
      });

      expect(response.statusCode).toBe(400);
      expect(response.json.Error.Code).toBe('InvalidParameter');
      expect(count(MODIFY)).toBe(0);
    },
  );
});

describe('metrics', () => {
  it('records rotations by outcome, TEO latency and retries in Embedded Metric Format, on the audit line', async () => {
    emulator.inject({ kind: 'error', code: 'InternalError' });

    await send({ body: bodyFor(newKey()) });

    // One line per request: the audit line carries the metrics.
    const [emf, ...others] = output.lines();
    expect(others).toEqual([]);
    expect(emf).toMatchObject({
      message: 'rotation request',
      service: 'teo-key-rotator',
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'TeoKeyRotator',
            Dimensions: [expect.arrayContaining(['service', 'Outcome'])],
            Metrics: expect.arrayContaining([
              { Name: 'Rotations', Unit: 'Count' },
              { Name: 'TeoLatency', Unit: 'Milliseconds' },
              { Name: 'TeoRetries', Unit: 'Count' },
            ]),
          },
        ],
      },
      Outcome: 'rotated',
      Rotations: 1,
      TeoRetries: 1,
    });
    expect(emf?.TeoLatency).toEqual([expect.any(Number), expect.any(Number)]);
  });

  it('counts a refused request, declaring no TEO metric it did not measure', async () => {
    await send({ body: bodyFor(newKey()), headers: { authorization: 'Bearer not-a-listed-token' } });

    const [line] = output.lines();
    expect(line).toMatchObject({ Outcome: 'refused', Rotations: 1 });
    expect(line?._aws).toMatchObject({
      CloudWatchMetrics: [{ Metrics: [{ Name: 'Rotations', Unit: 'Count' }] }],
    });
    expect(line).not.toHaveProperty('TeoLatency');
    expect(line).not.toHaveProperty('TeoRetries');
  });
});
