// docs/contract.md §6 and §7 through the handler: the rotation event on EventBridge, the dry run, and a zone's status.
// Against the TEO emulator, an EventBridge stand-in, and both ledgers.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { eventBridgeEvents } from '#lib/adapters/aws/rotation-events.ts';
import { createInMemoryLedger } from '#lib/domain/ledger/in-memory-ledger.ts';
import type { RotationLedger } from '#lib/domain/ledger/rotation-ledger.ts';
import type { Clock } from '#lib/domain/retry.ts';
import { loadConfig } from '#lib/handlers/config/rotator-config.ts';
import type { TeoEmulator } from '../emulator/teo-emulator.ts';
import { DEMO_TENCENT, DEMO_ZONES, startDemoEmulator } from '../local/demo-setup.ts';
import { type CapturedOutput, captureOutput } from './support/captured-output.ts';
import { type EventBridgeStandIn, startEventBridgeStandIn } from './support/eventbridge-stand-in.ts';
import { type EventChanges, lambdaContext, rotateEvent } from './support/events.ts';
import { FAST_RETRY, FINGERPRINT_KEY, fingerprint, sha256Hex } from './support/fake-config.ts';
import { whileAtTeo } from './support/held-at-teo.ts';
import { createDocumentedHandler } from './support/openapi.ts';

const [ZONE = '', OTHER_ZONE = ''] = DEMO_ZONES;
const TOKEN = 'test-token-operations-0123456789';
const NARROW_TOKEN = 'test-token-operations-narrow-000';
const MODIFY = 'ModifyMultiPathGatewaySecretKey';
const DESCRIBE = 'DescribeMultiPathGatewaySecretKey';

let emulator: TeoEmulator;
let bus: EventBridgeStandIn;
let output: CapturedOutput;
beforeAll(async () => {
  [emulator, bus] = await Promise.all([startDemoEmulator(), startEventBridgeStandIn()]);
});
afterAll(async () => {
  await Promise.all([emulator.close(), bus.close()]);
});
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => {
  output.restore();
  emulator.clearFaults();
  emulator.calls.length = 0;
  bus.entries.length = 0;
});

/** `settings`: variables over the tests' own (another emulator, sync bindings). */
const handlerWith = (
  ledger: RotationLedger = createInMemoryLedger(),
  clock?: Clock,
  settings: Record<string, string> = {},
) =>
  createDocumentedHandler(
    loadConfig({
      TENCENTCLOUD_SECRET_ID: DEMO_TENCENT.secretId,
      TENCENTCLOUD_SECRET_KEY: DEMO_TENCENT.secretKey,
      ROTATOR_FINGERPRINT_KEY: FINGERPRINT_KEY,
      TEO_ENDPOINT: emulator.url,
      TEO_TIMEOUT_MS: '300',
      ROTATOR_CLIENTS: JSON.stringify([
        { name: 'ops', zones: ['*'], tokenSha256: [sha256Hex(TOKEN)] },
        { name: 'narrow', zones: [OTHER_ZONE], tokenSha256: [sha256Hex(NARROW_TOKEN)] },
      ]),
      ...settings,
    }),
    {
      ledger,
      retry: FAST_RETRY,
      events: eventBridgeEvents('default', awsJsonClient('events', { env: bus.env })),
      ...(clock && { clock }),
    },
  );

async function send(handler: ReturnType<typeof handlerWith>, changes: EventChanges, token = TOKEN) {
  const response = await handler(
    rotateEvent('http-api-v2', {
      ...changes,
      headers: { authorization: `Bearer ${token}`, ...changes.headers },
    }),
    lambdaContext(),
  );
  return { ...response, json: JSON.parse(response.body) };
}

const newKey = () => randomBytes(32).toString('base64');
const rotation = (secretKey: string, extra: Record<string, unknown> = {}, zoneId = ZONE) => ({
  body: JSON.stringify({ ZoneId: zoneId, SecretKey: secretKey, ...extra }),
});
const status = (zoneId: string, method = 'GET') => ({ method, path: `/zones/${zoneId}`, body: '' });
const actions = () => emulator.calls.map((call) => call.action);
const auditLine = () => output.lines().findLast((line) => line.message === 'rotation request');

describe('the rotation event', () => {
  it('is put on the bus after an applied rotation, naming the key by fingerprint only', async () => {
    const key = newKey();

    const response = await send(handlerWith(), rotation(key));

    expect(response.statusCode).toBe(200);
    expect(bus.entries).toHaveLength(1);
    const [entry] = bus.entries;
    expect(entry).toMatchObject({
      EventBusName: 'default',
      Source: 'teo-key-rotator',
      DetailType: 'Gateway Key Rotated',
    });
    expect(JSON.parse(entry?.Detail ?? '')).toEqual({
      ZoneId: ZONE,
      KeyFingerprint: fingerprint(key),
      RequestId: response.json.RequestId,
      Caller: 'ops',
      Trigger: 'http',
      At: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(JSON.stringify(bus.entries)).not.toContain(key);
    expect(auditLine()).toMatchObject({ outcome: 'rotated', eventPublished: true });
  });

  it.each([
    ['EventBridge fails', () => Array.from({ length: 3 }, () => bus.failNext('error'))],
    ['EventBridge refuses the entry', () => bus.failNext('failed-entry')],
  ])('does not turn the rotation into a failure when %s: it is logged and counted', async (_, fail) => {
    fail();
    const key = newKey();

    const response = await send(handlerWith(), rotation(key));

    expect(response.statusCode).toBe(200);
    expect(emulator.zoneKey(ZONE)).toBe(key);
    expect(auditLine()).toMatchObject({ outcome: 'rotated', eventPublished: false, EventPublishFailures: 1 });
  });

  it('is not put for a refused rotation', async () => {
    emulator.inject({ kind: 'error', code: 'OperationDenied' });

    expect((await send(handlerWith(), rotation(newKey()))).statusCode).toBe(422);
    expect(bus.entries).toEqual([]);
  });
});

describe('a dry run', () => {
  it('checks everything up to TEO, then Describes instead of Modifying: 200 {DryRun, RequestId, HasKey, KeyFingerprint, Live}', async () => {
    const before = emulator.zoneKey(ZONE);
    const key = newKey();

    const response = await send(handlerWith(), rotation(key, { DryRun: true }));

    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({
      DryRun: true,
      RequestId: expect.any(String),
      HasKey: true,
      KeyFingerprint: fingerprint(key),
      Live: false,
    });
    expect(actions()).toEqual([DESCRIBE]);
    expect(emulator.zoneKey(ZONE)).toBe(before);
    expect(bus.entries).toEqual([]);
    expect(auditLine()).toMatchObject({ outcome: 'dry-run', dryRun: true, status: 200, Rotations: 1 });
  });

  it('says whether the requested key is the live one: how a kept key is checked without changing anything', async () => {
    const handler = handlerWith();
    const key = newKey();
    await send(handler, rotation(key));
    emulator.calls.length = 0;

    const kept = await send(handler, rotation(key, { DryRun: true }));
    const other = await send(handler, rotation(newKey(), { DryRun: true }));

    expect([kept.json.Live, kept.json.KeyFingerprint]).toEqual([true, fingerprint(key)]);
    expect(other.json.Live).toBe(false);
    expect(actions()).toEqual([DESCRIBE, DESCRIBE]);
    expect(emulator.zoneKey(ZONE)).toBe(key);
  });

  it('keeps no lease and no redelivery record: the same Idempotency-Key then rotates another body', async () => {
    const handler = handlerWith();
    const headers = { 'idempotency-key': 'dry-then-real' };
    expect((await send(handler, { ...rotation(newKey(), { DryRun: true }), headers })).statusCode).toBe(200);

    const real = await send(handler, { ...rotation(newKey()), headers });

    expect([real.statusCode, real.json]).toEqual([200, expect.anything()]);
    expect(actions()).toEqual([DESCRIBE, MODIFY]);
  });

  it('is refused with 409 while the zone is being rotated', async () => {
    const handler = handlerWith();
    const [rotated, rehearsed] = await whileAtTeo(
      emulator,
      () => send(handler, rotation(newKey())),
      () => send(handler, rotation(newKey(), { DryRun: true })),
    );

    expect(rotated.statusCode).toBe(200);
    expect([rehearsed.statusCode, rehearsed.json.Error.Code]).toEqual([409, 'ResourceInUse']);
  });

  it("proves the function's own Tencent credentials: a refusal of them is the deployment's 502", async () => {
    emulator.inject({ kind: 'error', code: 'AuthFailure.SecretIdNotFound' });

    const response = await send(handlerWith(), rotation(newKey(), { DryRun: true }));

    expect([response.statusCode, response.json.Error.Code]).toEqual([502, 'AuthFailure.SecretIdNotFound']);
  });

  it('for a zone the caller may not rotate: 403, and TEO is not called', async () => {
    const response = await send(handlerWith(), rotation(newKey(), { DryRun: true }), NARROW_TOKEN);

    expect(response.statusCode).toBe(403);
    expect(actions()).toEqual([]);
  });
});

describe('one writer per zone: a rotation of a zone another writer owns', () => {
  const ownedBy = (writers: Record<string, string>) =>
    createDocumentedHandler(
      loadConfig({
        TENCENTCLOUD_SECRET_ID: DEMO_TENCENT.secretId,
        TENCENTCLOUD_SECRET_KEY: DEMO_TENCENT.secretKey,
        ROTATOR_FINGERPRINT_KEY: FINGERPRINT_KEY,
        TEO_ENDPOINT: emulator.url,
        ROTATOR_CLIENTS: JSON.stringify([{ name: 'ops', zones: ['*'], tokenSha256: [sha256Hex(TOKEN)] }]),
        ...writers,
      }),
      { ledger: createInMemoryLedger(), retry: FAST_RETRY },
    );
  const bound = {
    ROTATOR_SYNC_BINDINGS: JSON.stringify([
      { zone: ZONE, source: { kind: 'doppler', project: 'gateways', config: 'prd', name: 'TEO_KEY' } },
    ]),
  };

  it.each([
    [
      'a sync binding',
      bound,
      'ZoneOwnedBySync',
      "This zone's key follows the Doppler secret TEO_KEY of gateways/prd: change the secret there, and sync applies it. Nothing was changed.",
    ],
    [
      'a sync binding to a Secrets Manager secret field',
      {
        ROTATOR_SYNC_BINDINGS: JSON.stringify([
          {
            zone: ZONE,
            source: {
              kind: 'aws-secrets-manager',
              secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gw-AbCdEf',
              field: 'SecretKey',
            },
          },
        ]),
      },
      'ZoneOwnedBySync',
      "This zone's key follows the Secrets Manager secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:gw-AbCdEf (field SecretKey): change the secret there, and sync applies it. Nothing was changed.",
    ],
    [
      'a sync binding to an Infisical secret',
      {
        ROTATOR_SYNC_BINDINGS: JSON.stringify([
          {
            zone: ZONE,
            source: {
              kind: 'infisical',
              projectId: 'p1',
              environment: 'prod',
              secretPath: '/teo',
              name: 'GW',
            },
          },
        ]),
      },
      'ZoneOwnedBySync',
      "This zone's key follows the Infisical secret GW at /teo in p1/prod: change the secret there, and sync applies it. Nothing was changed.",
    ],
    [
      'the Secrets Manager rotation',
      { ROTATOR_SM_ZONES: ZONE },
      'ZoneOwnedBySecretsManagerRotation',
      `This zone's key is written by the Secrets Manager rotation of the secret teo-key-rotator/zones/${ZONE}: rotate that secret instead. Nothing was changed.`,
    ],
  ])(
    'is refused with 409 naming the owner when %s writes it, as is its dry run; TEO is not called',
    async (_, writers, code, message) => {
      const handler = ownedBy(writers);
      const before = emulator.zoneKey(ZONE);

      const rotated = await send(handler, rotation(newKey()));
      const rehearsed = await send(handler, rotation(newKey(), { DryRun: true }));

      expect([rotated.statusCode, rotated.json]).toEqual([409, { Error: { Code: code, Message: message } }]);
      expect([rehearsed.statusCode, rehearsed.json.Error.Code]).toEqual([409, code]);
      expect(actions()).toEqual([]);
      expect(emulator.zoneKey(ZONE)).toBe(before);
    },
  );

  it("still lets the zone's status be read, and rotates the zones no other writer owns", async () => {
    const handler = ownedBy(bound);

    expect((await send(handler, status(ZONE))).statusCode).toBe(200);
    expect((await send(handler, rotation(newKey(), {}, OTHER_ZONE))).statusCode).toBe(200);
  });
});

describe('GET /zones/{ZoneId}', () => {
  it('tells the live key by fingerprint, and the last rotation the function applied, which is live', async () => {
    const handler = handlerWith();
    const key = newKey();
    const rotated = await send(handler, rotation(key));

    const response = await send(handler, status(ZONE));

    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({
      ZoneId: ZONE,
      HasKey: true,
      LiveKeyFingerprint: fingerprint(key),
      RequestId: expect.any(String),
      LastRotation: {
        At: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        By: 'ops',
        RequestId: rotated.json.RequestId,
        KeyFingerprint: fingerprint(key),
        Live: true,
      },
    });
    expect(actions()).toEqual([MODIFY, DESCRIBE]);
    expect(auditLine()).toMatchObject({ outcome: 'described', zone: ZONE, status: 200 });
  });

  it('says when the key live in TEO is no longer the one the function applied', async () => {
    const handler = handlerWith();
    await send(handler, rotation(newKey()));
    const elsewhere = newKey();
    await send(handlerWith(), rotation(elsewhere));

    const response = await send(handler, status(ZONE));

    expect(response.json.LiveKeyFingerprint).toBe(fingerprint(elsewhere));
    expect(response.json.LastRotation.Live).toBe(false);
  });

  it("names who rotated only to the callers of every zone, and to the caller itself; another's name is hidden", async () => {
    const ledger = createInMemoryLedger();
    const handler = handlerWith(ledger);
    await send(handler, rotation(newKey(), {}, OTHER_ZONE));
    const byNarrow = await send(handler, status(OTHER_ZONE), NARROW_TOKEN);
    await send(handler, rotation(newKey(), {}, OTHER_ZONE), NARROW_TOKEN);

    const byOps = await send(handler, status(OTHER_ZONE));
    const ownByNarrow = await send(handler, status(OTHER_ZONE), NARROW_TOKEN);

    expect(byNarrow.json.LastRotation.By).toBe('another caller');
    expect(byOps.json.LastRotation.By).toBe('narrow');
    expect(ownByNarrow.json.LastRotation.By).toBe('narrow');
  });

  describe('polled: one Describe per zone a second, never across a rotation the ledger records', () => {
    let now: number;
    const clock: Clock = { now: () => now, sleep: async () => undefined, random: () => 0 };
    beforeEach(() => {
      now = 1_800_000_000_000;
    });

    it('answers a second GET within the second from the first Describe, and Describes again after it', async () => {
      const handler = handlerWith(createInMemoryLedger(), clock);

      const first = await send(handler, status(ZONE));
      now += 999;
      const polled = await send(handler, status(ZONE));
      const reusedLine = auditLine();
      now += 1;
      const later = await send(handler, status(ZONE));

      expect(polled.json).toEqual(first.json);
      expect(reusedLine).toMatchObject({ outcome: 'described', describeReused: true });
      expect(later.json.RequestId).not.toBe(first.json.RequestId);
      expect(auditLine()?.describeReused).toBeUndefined();
      expect(actions()).toEqual([DESCRIBE, DESCRIBE]);
    });

    it('Describes again at once after a rotation by another instance sharing the ledger', async () => {
      const ledger = createInMemoryLedger();
      const polling = handlerWith(ledger, clock);
      await send(polling, status(ZONE));
      const key = newKey();
      await send(handlerWith(ledger, clock), rotation(key));

      const after = await send(polling, status(ZONE));

      expect(after.json).toMatchObject({
        LiveKeyFingerprint: fingerprint(key),
        LastRotation: { Live: true },
      });
      expect(actions()).toEqual([DESCRIBE, MODIFY, DESCRIBE]);
    });

    it('shows a change the ledger cannot see (another deployment, the console) within the second', async () => {
      const polling = handlerWith(createInMemoryLedger(), clock);
      const before = await send(polling, status(ZONE));
      const key = newKey();
      await send(handlerWith(createInMemoryLedger(), clock), rotation(key));

      const within = await send(polling, status(ZONE));
      now += 1000;
      const after = await send(polling, status(ZONE));

      expect(within.json.LiveKeyFingerprint).toBe(before.json.LiveKeyFingerprint);
      expect(after.json.LiveKeyFingerprint).toBe(fingerprint(key));
    });

    it('keeps zones apart: another zone’s GET Describes its own', async () => {
      const handler = handlerWith(createInMemoryLedger(), clock);

      await send(handler, status(ZONE));
      const other = await send(handler, status(OTHER_ZONE));

      expect(other.json.ZoneId).toBe(OTHER_ZONE);
      expect(emulator.calls.map((call) => call.zoneId)).toEqual([ZONE, OTHER_ZONE]);
    });
  });

  it('shows a bound zone’s sync health, and needs attention after three failed syncs in a row; an unbound zone has none', async () => {
    const ledger = createInMemoryLedger();
    // An emulator of its own: TEO's 20 Describes a second are the other tests'.
    const own = await startDemoEmulator();
    onTestFinished(() => own.close());
    const handler = handlerWith(ledger, undefined, {
      TEO_ENDPOINT: own.url,
      ROTATOR_SYNC_BINDINGS: JSON.stringify([
        { zone: ZONE, source: { kind: 'doppler', project: 'p', config: 'c', name: 'N' } },
      ]),
    });
    const never = await send(handler, status(ZONE));
    for (let run = 0; run < 3; run += 1) await ledger.recordSync(ZONE, { verified: false, at: 1 });

    const failing = await send(handler, status(ZONE));
    const unbound = await send(handler, status(OTHER_ZONE));

    expect(unbound.json).not.toHaveProperty('Sync');
    expect(never.json.Sync).toEqual({ LastVerified: null, ConsecutiveFailures: 0, NeedsAttention: false });
    expect(failing.json.Sync).toEqual({ LastVerified: null, ConsecutiveFailures: 3, NeedsAttention: true });
    await ledger.recordSync(ZONE, { verified: true, at: Date.UTC(2026, 11, 2) });
    expect((await send(handler, status(ZONE))).json.Sync).toEqual({
      LastVerified: '2026-12-02T00:00:00.000Z',
      ConsecutiveFailures: 0,
      NeedsAttention: false,
    });
  });

  it('answers LastRotation null for a zone the function never rotated', async () => {
    const response = await send(handlerWith(), status(OTHER_ZONE));

    expect(response.statusCode).toBe(200);
    expect(response.json.LastRotation).toBeNull();
  });

  it.each([
    ['a malformed zone id', () => status('zone-UPPER'), TOKEN, 400, 'InvalidParameterValue'],
    ['a zone the caller may not see', () => status(ZONE), NARROW_TOKEN, 403, 'UnauthorizedOperation'],
    ['no credential', () => status(ZONE), 'not-a-token', 401, 'AuthFailure'],
  ] as const)('refuses %s before any TEO call', async (_, request, token, code, errorCode) => {
    const response = await send(handlerWith(), request(), token);

    expect([response.statusCode, response.json.Error.Code]).toEqual([code, errorCode]);
    expect(actions()).toEqual([]);
  });

  it.each([`/zones/${ZONE}/key`, `/v1/zones/${ZONE}`, `/zones/${ZONE}/`, `/iam/zones/${ZONE}/x`])(
    'serves nothing at GET %s',
    async (path) => {
      const response = await send(handlerWith(), { method: 'GET', path, body: '' });

      expect([response.statusCode, response.json.Error.Code]).toEqual([404, 'NotFound']);
      expect(actions()).toEqual([]);
    },
  );

  it('logs at most 256 characters of a path it does not serve', async () => {
    const path = `/${'x'.repeat(5000)}`;

    const response = await send(handlerWith(), { method: 'GET', path, body: '' });

    expect(response.statusCode).toBe(404);
    expect(auditLine()?.path).toBe(path.slice(0, 256));
  });

  it.each([
    ['DELETE', `/zones/${ZONE}`, 'GET'],
    ['POST', `/zones/${ZONE}`, 'GET'],
    ['GET', '/rotate', 'POST'],
    ['PUT', '/iam/rotate', 'POST'],
  ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
    const response = await send(handlerWith(), { method, path, body: '' });

    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe(allow);
  });
});
