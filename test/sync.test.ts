// docs/contract.md §8, sync, end to end: each trigger against the TEO emulator and the managers' stand-ins; replays,
// reordering, values that change mid-sync, invalid values, managers that fail, concurrency, drift, and no secret in
// any output.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { eventBridgeEvents, type RotationEvents } from '#lib/adapters/aws/rotation-events.ts';
import { createSecretReaders } from '#lib/adapters/managers/secret-readers.ts';
import { createTencentCloudGateway } from '#lib/adapters/teo/tencent-cloud-gateway.ts';
import { SyncFailed } from '#lib/domain/errors.ts';
import { createInMemoryLedger } from '#lib/domain/ledger/in-memory-ledger.ts';
import type { RotationLedger } from '#lib/domain/ledger/rotation-ledger.ts';
import { systemClock } from '#lib/domain/retry.ts';
import { type SecretReaders, SourceThrottled } from '#lib/domain/sync/secret-source.ts';
import { loadSyncConfig } from '#lib/handlers/config/sync-config.ts';
import type { HttpResponse } from '#lib/handlers/http/responses.ts';
import { createSyncHandler, type SyncReport } from '#lib/handlers/sync/handler.ts';
import {
  type DopplerEmulator,
  type InfisicalEmulator,
  startDopplerEmulator,
  startInfisicalEmulator,
} from '../emulator/secrets-managers.ts';
import { type Fault, startTeoEmulator, type TeoEmulator } from '../emulator/teo-emulator.ts';
import { type CapturedOutput, captureOutput } from './support/captured-output.ts';
import { type EventBridgeStandIn, startEventBridgeStandIn } from './support/eventbridge-stand-in.ts';
import { lambdaContext, rotateEvent } from './support/events.ts';
import {
  FAST_RETRY,
  FINGERPRINT_KEY,
  fingerprint,
  TENCENT_SECRET_ID,
  TENCENT_SECRET_KEY,
} from './support/fake-config.ts';
import { whileAtTeo } from './support/held-at-teo.ts';
import { undocumented } from './support/openapi.ts';
import {
  type SecretsManagerStandIn,
  secretArn,
  startSecretsManagerStandIn,
} from './support/secrets-manager-stand-in.ts';

const DOPPLER_ZONE = 'zone-doppler1';
const INFISICAL_ZONE = 'zone-infisical1';
const AWS_ZONE = 'zone-aws1';
const DOPPLER_TOKEN = 'dp.st.prd.FakeDopplerServiceTokenForTests000';
const DOPPLER_WEBHOOK_SECRET = 'fake-doppler-webhook-signing-secret';
const INFISICAL = { id: 'fake-infisical-client-id', secret: 'fake-infisical-client-secret-000' };
const INFISICAL_WEBHOOK_SECRET = 'fake-infisical-webhook-signing-secret';
const AWS_SECRET = 'teo/gateway-key';
const MODIFY = 'ModifyMultiPathGatewaySecretKey';

let teo: TeoEmulator;
let doppler: DopplerEmulator;
let infisical: InfisicalEmulator;
let sm: SecretsManagerStandIn;
let output: CapturedOutput;
let clock: number;
beforeAll(async () => {
  [teo, doppler, infisical, sm] = await Promise.all([
    startTeoEmulator({
      credentials: { [TENCENT_SECRET_ID]: TENCENT_SECRET_KEY },
      zones: Object.fromEntries(
        [DOPPLER_ZONE, INFISICAL_ZONE, AWS_ZONE].map((zone) => [zone, Buffer.alloc(32).toString('base64')]),
      ),
      // Many syncs in a second here: TEO's throttle is not what these tests are about.
      rateLimitPerSecond: Number.POSITIVE_INFINITY,
    }),
    startDopplerEmulator(DOPPLER_TOKEN),
    startInfisicalEmulator(INFISICAL.id, INFISICAL.secret),
    startSecretsManagerStandIn(),
  ]);
});
afterAll(async () => {
  await Promise.all([teo.close(), doppler.close(), infisical.close(), sm.close()]);
});
beforeEach(() => {
  clock = Date.now();
  output = captureOutput();
});
afterEach(() => {
  output.restore();
  teo.clearFaults();
  teo.calls.length = 0;
  doppler.calls.length = 0;
  infisical.calls.length = 0;
});

const env = () => ({
  TENCENTCLOUD_SECRET_ID: TENCENT_SECRET_ID,
  TENCENTCLOUD_SECRET_KEY: TENCENT_SECRET_KEY,
  ROTATOR_FINGERPRINT_KEY: FINGERPRINT_KEY,
  TEO_ENDPOINT: teo.url,
  TEO_TIMEOUT_MS: '300',
  DOPPLER_TOKEN,
  DOPPLER_WEBHOOK_SECRET,
  INFISICAL_CLIENT_ID: INFISICAL.id,
  INFISICAL_CLIENT_SECRET: INFISICAL.secret,
  INFISICAL_WEBHOOK_SECRET,
  ROTATOR_SYNC_BINDINGS: JSON.stringify([
    {
      zone: DOPPLER_ZONE,
      source: { kind: 'doppler', apiUrl: doppler.url, project: 'gateways', config: 'prd', name: 'TEO_KEY' },
    },
    {
      zone: INFISICAL_ZONE,
      source: {
        kind: 'infisical',
        siteUrl: infisical.url,
        projectId: 'proj-1',
        environment: 'prod',
        secretPath: '/teo',
        name: 'GATEWAY_KEY',
      },
    },
    {
      zone: AWS_ZONE,
      source: { kind: 'aws-secrets-manager', secretArn: secretArn(AWS_SECRET), field: 'SecretKey' },
    },
  ]),
});

/** The test's clock: a wait (TEO's pace, a retry's backoff, a manager's Retry-After) moves it on. */
const testClock = {
  ...systemClock,
  now: () => clock,
  sleep: async (ms: number) => {
    clock += ms;
  },
};

const realReaders = () =>
  createSecretReaders(
    { dopplerToken: DOPPLER_TOKEN, infisicalClientId: INFISICAL.id, infisicalClientSecret: INFISICAL.secret },
    // The AWS client's retries wait on the test's clock.
    { aws: awsJsonClient('secretsmanager', { env: sm.env, clock: testClock }) },
  );

const handlerWith = ({
  readers = realReaders(),
  ledger = createInMemoryLedger(),
  events,
  settings = {},
}: {
  /** null: the function's own, as deployed (made once per configuration). */
  readers?: SecretReaders | null;
  ledger?: ReturnType<typeof createInMemoryLedger>;
  events?: RotationEvents;
  /** Environment variables over the test's own. */
  settings?: Record<string, string>;
} = {}) => {
  const loaded = loadSyncConfig({ ...env(), ...settings });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  return createSyncHandler(loaded, {
    ledger,
    ...(readers && { readers }),
    retry: FAST_RETRY,
    // Nothing waits in real time.
    clock: testClock,
    ...(events && { events }),
  });
};

const newKey = () => randomBytes(32).toString('base64');
const mac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

const dopplerPayload = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: 'config.secrets.update',
    config: { project: 'gateways', name: 'prd', environment: 'prd' },
    ...extra,
  });
const infisicalPayload = (t: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    event: 'secrets.modified',
    project: { workspaceId: 'proj-1', environment: 'prod', secretPath: '/teo' },
    timestamp: String(t),
    ...extra,
  });

async function webhook(
  handler: ReturnType<typeof handlerWith>,
  path: string,
  body: string,
  headers: Record<string, string>,
  method = 'POST',
) {
  const response = (await handler(
    rotateEvent('http-api-v2', { path, method, body, headers: { authorization: undefined, ...headers } }),
    // The deployed sync function's timeout.
    lambdaContext(60_000),
  )) as HttpResponse;
  // Every answer is as openapi.yaml documents it.
  expect(undocumented('POST', path, response)).toEqual([]);
  return { status: response.statusCode, json: JSON.parse(response.body) };
}
const fromDoppler = (
  handler: ReturnType<typeof handlerWith>,
  body = dopplerPayload(),
  signature = `sha256=${mac(DOPPLER_WEBHOOK_SECRET, body)}`,
) => webhook(handler, '/sync/doppler', body, { 'x-doppler-signature': signature });
const fromInfisical = (handler: ReturnType<typeof handlerWith>, t = clock, body = infisicalPayload(t)) =>
  webhook(handler, '/sync/infisical', body, {
    'x-infisical-signature': `t=${t};${mac(INFISICAL_WEBHOOK_SECRET, body)}`,
  });

/** Someone changes the zone's key in TEO directly, behind the binding's back. */
async function changeBehindTheBinding(zoneId: string) {
  const loaded = loadSyncConfig(env());
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  await createTencentCloudGateway(loaded.config.teo, systemClock).writeSecretKey(
    'Modify',
    { zoneId, secretKey: newKey() },
    Date.now() + 2000,
  );
}

const modifies = () => teo.calls.filter((call) => call.action === MODIFY).length;
const syncLines = () => output.lines().filter((line) => line.operation === 'sync');

describe('a Doppler webhook', () => {
  it('makes TEO follow the bound Doppler secret, reading it itself', async () => {
    const key = newKey();
    doppler.set('gateways', 'prd', 'TEO_KEY', key);

    const answer = await fromDoppler(handlerWith());

    expect(answer).toEqual({ status: 200, json: { Results: [{ ZoneId: DOPPLER_ZONE, Outcome: 'synced' }] } });
    expect(teo.zoneKey(DOPPLER_ZONE)).toBe(key);
    expect(syncLines()).toEqual([
      expect.objectContaining({
        trigger: 'doppler',
        zone: DOPPLER_ZONE,
        sourceKind: 'doppler',
        outcome: 'synced',
        keyFingerprint: fingerprint(key),
        Rotations: 1,
      }),
    ]);
    // The zone has a key, as Describe showed: the value goes in by Modify, with no Create tried first.
    expect(teo.calls.map(({ action }) => action)).toEqual([
      'DescribeMultiPathGatewaySecretKey',
      'ModifyMultiPathGatewaySecretKey',
    ]);
    // With no event bus configured, nothing is announced, and nothing fails for it.
    expect(syncLines()[0]).not.toHaveProperty('errorDetail');
    expect(syncLines()[0]).not.toHaveProperty('eventPublished');
  });

  it('replayed with the same value, is answered as a replay: one read to tell, no lease and no TEO call', async () => {
    doppler.set('gateways', 'prd', 'TEO_KEY', newKey());
    const handler = handlerWith();
    await fromDoppler(handler);
    teo.calls.length = 0;
    doppler.calls.length = 0;

    const again = await fromDoppler(handler);

    expect(again).toEqual({
      status: 200,
      json: { Results: [{ ZoneId: DOPPLER_ZONE, Outcome: 'replayed' }] },
    });
    expect([teo.calls, doppler.calls]).toEqual([[], ['GET /v3/configs/config/secrets']]);
    expect(syncLines().at(-1)).toMatchObject({
      level: 'INFO',
      outcome: 'replayed',
      trigger: 'doppler',
      teoRequestIds: [],
    });
    // A replay says nothing of the binding's health.
    expect(syncLines().at(-1)).not.toHaveProperty('lastVerified');
  });

  it('answers as a replay a delivery whose value TEO held already (in sync), sent again', async () => {
    doppler.set('gateways', 'prd', 'TEO_KEY', newKey());
    const handler = handlerWith();
    await fromDoppler(handler);
    // The same value, announced again with another body, is found in sync; that body sent once more is a replay.
    const body = dopplerPayload({ diff: { updated: ['TEO_KEY'] } });
    const inSync = await fromDoppler(handler, body);

    const again = await fromDoppler(handler, body);

    expect(inSync.json.Results).toEqual([{ ZoneId: DOPPLER_ZONE, Outcome: 'in-sync' }]);
    expect(again.json.Results).toEqual([{ ZoneId: DOPPLER_ZONE, Outcome: 'replayed' }]);
  });

  it('syncs a real change Doppler announces with the same body as before: the value read tells it apart', async () => {
    const handler = handlerWith();
    doppler.set('gateways', 'prd', 'TEO_KEY', newKey());
    await fromDoppler(handler);
    const next = newKey();
    doppler.set('gateways', 'prd', 'TEO_KEY', next);

    const again = await fromDoppler(handler);

    expect(again.json.Results).toEqual([{ ZoneId: DOPPLER_ZONE, Outcome: 'synced' }]);
    expect(teo.zoneKey(DOPPLER_ZONE)).toBe(next);
  });

  it('answers 409 to a replay that arrives while the same delivery, with the same value, is being synced', async () => {
    const key = newKey();
    doppler.set('gateways', 'prd', 'TEO_KEY', key);
    const ledger = createInMemoryLedger();
    const body = dopplerPayload();
    const digest = createHash('sha256').update(body).digest('hex');
    const inFlight = Date.now() + 60_000;
    await ledger.claimRequest(`sync#${DOPPLER_ZONE}#${digest}`, fingerprint(key), {
      leaseUntil: inFlight,
      keepUntil: inFlight,
    });

    const again = await fromDoppler(handlerWith({ ledger }), body);

    expect(again).toEqual({ status: 409, json: { Results: [{ ZoneId: DOPPLER_ZONE, Outcome: 'failed' }] } });
    expect(teo.calls).toEqual([]);
    expect(syncLines().at(-1)?.errorDetail).toBe(
      'RotationConflict: This delivery, with this value, is already being synced; retry when it is done.',
    );
  });

  it('records a delivery for 3 days, and leaves the record of another value of the same body as it was', async () => {
    const [first, next] = [newKey(), newKey()];
    doppler.set('gateways', 'prd', 'TEO_KEY', first);
    const body = dopplerPayload();
    const digest = createHash('sha256').update(body).digest('hex');
    const inner = createInMemoryLedger();
    const kept: number[] = [];
    const ledger: RotationLedger = {
      ...inner,
      claimRequest: (key, bodyDigest, terms) => {
        kept.push(terms.keepUntil - Date.now());
        return inner.claimRequest(key, bodyDigest, terms);
      },
    };
    // The first value's sync is still running somewhere when the next value arrives with the same body.
    const running = Date.now() + 60_000;
    await inner.claimRequest(`sync#${DOPPLER_ZONE}#${digest}`, fingerprint(first), {
      leaseUntil: running,
      keepUntil: running,
    });
    doppler.set('gateways', 'prd', 'TEO_KEY', next);
    const handler = handlerWith({ ledger });

    expect((await fromDoppler(handler, body)).json.Results[0].Outcome).toBe('synced');
    doppler.set('gateways', 'prd', 'TEO_KEY', first);
    const firstAgain = await fromDoppler(handler, body);

    // The first value's record is still its own, in flight: not marked done by the other value's sync.
    expect(firstAgain.status).toBe(409);
    expect(kept[0]).toBeGreaterThan(3 * 24 * 60 * 60 * 1000 - 60_000);
    expect(kept[0]).toBeLessThanOrEqual(3 * 24 * 60 * 60 * 1000);
  });

  it('ends its syncs within API Gateway’s 30 seconds, though the function may run for 60', async () => {
    doppler.set('gateways', 'prd', 'TEO_KEY', newKey());
    infisical.set('proj-1', 'prod', '/teo', 'GATEWAY_KEY', newKey());
    sm.put(AWS_SECRET, JSON.stringify({ SecretKey: newKey() }));
    const leases: number[] = [];
    const ledger = createInMemoryLedger();
    const recording: RotationLedger = {
      ...ledger,
      acquireZone: (zoneId, owner, leaseUntil) => {
        leases.push(leaseUntil - Date.now());
        return ledger.acquireZone(zoneId, owner, leaseUntil);
      },
    };
    const handler = handlerWith({ ledger: recording });

    await fromDoppler(handler);
    await handler({ 'detail-type': 'Scheduled Event', source: 'aws.events' }, lambdaContext(60_000));

    // The zone's lease lasts as long as the invocation may: 30 s for a webhook (its answer), 60 for the schedule.
    const [webhookLease = 0, scheduleLease = 0] = leases;
    expect(webhookLease).toBeGreaterThan(29_000);
    expect(webhookLease).toBeLessThanOrEqual(30_000);
    expect(scheduleLease).toBeGreaterThan(59_000);
  });

  it('counts a sync refused for another writer at work (409) neither way, and one found in sync as verified', async () => {
    const key = newKey();
    doppler.set('gateways', 'prd', 'TEO_KEY', key);
    const ledger = createInMemoryLedger();
    const handler = handlerWith({ ledger });
    await fromDoppler(handler);
    await ledger.acquireZone(DOPPLER_ZONE, 'another-writer', clock + 60_000);

    const held = await fromDoppler(handler, dopplerPayload({ diff: { updated: ['TEO_KEY'] } }));
    const heldLine = syncLines().at(-1);
    await ledger.releaseZone(DOPPLER_ZONE, 'another-writer');
    clock += 1000;
    await fromDoppler(handler, dopplerPayload({ diff: { updated: ['TEO_KEY'], added: [] } }));

    expect(held.status).toBe(409);
    expect(heldLine).not.toHaveProperty('consecutiveFailures');
    expect(syncLines().at(-1)).toMatchObject({
      outcome: 'in-sync',
      lastVerified: new Date(clock).toISOString(),
    });
    expect(await ledger.syncHealthOf([DOPPLER_ZONE])).toEqual(
      new Map([[DOPPLER_ZONE, { lastVerified: clock, consecutiveFailures: 0 }]]),
    );
  });

  it('reports a failure to record a binding’s health as a ledger failure, never as the sync’s', async () => {
    doppler.set('gateways', 'prd', 'TEO_KEY', newKey());
    const ledger = createInMemoryLedger();
    const failing: RotationLedger = {
      ...ledger,
      recordSync: async () => {
        throw new Error('DynamoDB is down');
      },
    };

    const answer = await fromDoppler(handlerWith({ ledger: failing }));

    expect(answer.json.Results).toEqual([{ ZoneId: DOPPLER_ZONE, Outcome: 'synced' }]);
    expect(syncLines().at(-1)).toMatchObject({
      level: 'ERROR',
      outcome: 'synced',
      ledgerFailures: ['recordSync: Error: DynamoDB is down'],
    });
  });

  it('syncs a replay again when its first delivery did not finish the sync', async () => {
    doppler.set('gateways', 'prd', 'TEO_KEY', newKey());
    const handler = handlerWith();
    teo.inject(...Array<Fault>(6).fill({ kind: 'http-status', status: 503 }));
    expect((await fromDoppler(handler)).status).toBe(502);
    teo.clearFaults();

    const again = await fromDoppler(handler);

    expect(again.json.Results).toEqual([{ ZoneId: DOPPLER_ZONE, Outcome: 'synced' }]);
  });

  it.each([
    ['a wrong signature', `sha256=${'0'.repeat(64)}`],
    ['a signature of another body', `sha256=${mac(DOPPLER_WEBHOOK_SECRET, '{}')}`],
    ['no signature', ''],
    ['a signature without its scheme', mac(DOPPLER_WEBHOOK_SECRET, dopplerPayload())],
  ])('refuses %s with 401, reading nothing', async (_, signature) => {
    const answer = await fromDoppler(handlerWith(), dopplerPayload(), signature);

    expect([answer.status, answer.json.Error.Code]).toEqual([401, 'AuthFailure']);
    expect(doppler.calls).toEqual([]);
    expect(teo.calls).toEqual([]);
  });

  it.each([
    [
      'a change to unbound names only',
      dopplerPayload({ diff: { added: [], updated: ['DATABASE_URL'], removed: [] } }),
    ],
    [
      'another project',
      JSON.stringify({ type: 'config.secrets.update', config: { project: 'web', name: 'prd' } }),
    ],
    [
      'another event type',
      JSON.stringify({ type: 'config.created', config: { project: 'gateways', name: 'prd' } }),
    ],
  ])('for %s, reads nothing and answers 200', async (_, body) => {
    const answer = await fromDoppler(handlerWith(), body);

    expect(answer).toEqual({ status: 200, json: { Results: [] } });
    expect(doppler.calls).toEqual([]);
  });

  it('refuses a body over 8 KiB before any signature, and a signed body that is not JSON', async () => {
    const large = dopplerPayload({ pad: 'x'.repeat(9000) });
    const notJson = '{"type":';

    expect((await fromDoppler(handlerWith(), large)).status).toBe(413);
    expect((await fromDoppler(handlerWith(), notJson)).status).toBe(400);
    expect(doppler.calls).toEqual([]);
  });

  it('reports an invalid value (422, invalid-value, an ERROR line) and never calls TEO with it', async () => {
    doppler.set('gateways', 'prd', 'TEO_KEY', 'not-a-gateway-key');

    const answer = await fromDoppler(handlerWith());

    expect(answer).toEqual({
      status: 422,
      json: { Results: [{ ZoneId: DOPPLER_ZONE, Outcome: 'invalid-value' }] },
    });
    expect(teo.calls).toEqual([]);
    expect(syncLines()[0]).toMatchObject({
      level: 'ERROR',
      outcome: 'invalid-value',
      Outcome: 'invalid-value',
    });
  });

  it.each([401, 503])('answers 502 when Doppler answers HTTP %i, and the sender retries', async (status) => {
    doppler.set('gateways', 'prd', 'TEO_KEY', newKey());
    doppler.inject({ status });
    const before = teo.zoneKey(DOPPLER_ZONE);

    const answer = await fromDoppler(handlerWith());

    expect(answer.json.Results).toEqual([{ ZoneId: DOPPLER_ZONE, Outcome: 'failed' }]);
    expect(answer.status).toBe(502);
    expect(teo.zoneKey(DOPPLER_ZONE)).toBe(before);
    expect(syncLines()[0]?.errorDetail).toBe(`SourceUnavailable: Doppler answered HTTP ${status}`);
  });

  it('syncs a slow Doppler all the same', async () => {
    const key = newKey();
    doppler.set('gateways', 'prd', 'TEO_KEY', key);
    doppler.inject({ delayMs: 200 });

    expect((await fromDoppler(handlerWith())).json.Results[0].Outcome).toBe('synced');
    expect(teo.zoneKey(DOPPLER_ZONE)).toBe(key);
  });

  it.each([
    ['waits out a rate limit on the re-read of a synced secret, then reports it synced', 1000, 1000],
    [
      'leaves a synced binding synced when the re-read is throttled past the time left (the next run reads it)',
      1e9,
      0,
    ],
  ])('%s', async (_, retryAfterMs, waited) => {
    const key = newKey();
    doppler.set('gateways', 'prd', 'TEO_KEY', key);
    const real = realReaders();
    let reads = 0;
    const readers: SecretReaders = {
      readAll: async (sources) => {
        reads += 1;
        return reads === 2
          ? sources.map(() => new SourceThrottled('Doppler answered HTTP 429', retryAfterMs))
          : real.readAll(sources);
      },
    };
    const start = clock;

    const answer = await fromDoppler(handlerWith({ readers }));

    expect([answer.status, answer.json.Results[0].Outcome]).toEqual([200, 'synced']);
    expect(teo.zoneKey(DOPPLER_ZONE)).toBe(key);
    expect(clock - start).toBeGreaterThanOrEqual(waited);
    expect(reads).toBe(waited > 0 ? 3 : 2);
  });

  it('sends one Modify when the value changes during the sync; the change’s own notification then sets the latest', async () => {
    const [first, latest] = [newKey(), newKey()];
    doppler.set('gateways', 'prd', 'TEO_KEY', first);
    const real = realReaders();
    let reads = 0;
    // The value changes in Doppler just after the run has read it.
    const readers: SecretReaders = {
      readAll: async (sources) => {
        const values = await real.readAll(sources);
        reads += 1;
        if (reads === 1) doppler.set('gateways', 'prd', 'TEO_KEY', latest);
        return values;
      },
    };

    const handler = handlerWith({ readers });

    const answer = await fromDoppler(handler);
    const following = await fromDoppler(handler, dopplerPayload({ diff: { updated: ['TEO_KEY'] } }));

    expect([answer.status, answer.json.Results[0].Outcome]).toEqual([502, 'failed']);
    expect(syncLines()[0]?.errorDetail).toBe(
      'SourceUnavailable: The bound secret changed while TEO was being set: TEO holds the value read first; the next notification, or the schedule, will sync the new one',
    );
    expect(following.json.Results[0].Outcome).toBe('synced');
    expect(teo.zoneKey(DOPPLER_ZONE)).toBe(latest);
    expect(modifies()).toBe(2);
  });

  it('lets only one of two simultaneous notifications for a zone change TEO: the other gets 409', async () => {
    doppler.set('gateways', 'prd', 'TEO_KEY', newKey());
    const handler = handlerWith();
    const [first, second] = await whileAtTeo(
      teo,
      () => fromDoppler(handler),
      () => fromDoppler(handler),
    );

    expect([first.status, second.status]).toEqual([200, 409]);
    expect(modifies()).toBe(1);
  });
});

describe('an Infisical webhook', () => {
  it('syncs every binding in the notified folder, logging in once', async () => {
    const key = newKey();
    infisical.set('proj-1', 'prod', '/teo', 'GATEWAY_KEY', key);
    // Its own readers: they keep the token from one run to the next.
    const handler = handlerWith({ readers: null });

    const answer = await fromInfisical(handler);
    infisical.set('proj-1', 'prod', '/teo', 'GATEWAY_KEY', newKey());
    await fromInfisical(handler);

    expect(answer).toEqual({
      status: 200,
      json: { Results: [{ ZoneId: INFISICAL_ZONE, Outcome: 'synced' }] },
    });
    expect(infisical.calls.filter((call) => call.endsWith('/login'))).toHaveLength(1);
  });

  it('syncs a notification labelled text/plain: the signed bytes are read as JSON whatever the header says', async () => {
    const key = newKey();
    infisical.set('proj-1', 'prod', '/teo', 'GATEWAY_KEY', key);
    const body = infisicalPayload(clock);

    const answer = await webhook(handlerWith(), '/sync/infisical', body, {
      'content-type': 'text/plain',
      'x-infisical-signature': `t=${clock};${mac(INFISICAL_WEBHOOK_SECRET, body)}`,
    });

    expect(answer.status).toBe(200);
    expect(teo.zoneKey(INFISICAL_ZONE)).toBe(key);
  });

  it('syncs a delivery sent again (its signed time guards it): never answered as a Doppler replay', async () => {
    infisical.set('proj-1', 'prod', '/teo', 'GATEWAY_KEY', newKey());
    const handler = handlerWith();
    const body = infisicalPayload(clock);
    await fromInfisical(handler, clock, body);
    await changeBehindTheBinding(INFISICAL_ZONE);

    const again = await fromInfisical(handler, clock, body);

    expect(again.json.Results).toEqual([{ ZoneId: INFISICAL_ZONE, Outcome: 'synced' }]);
  });

  it('logs in again once when its token was revoked', async () => {
    const key = newKey();
    infisical.set('proj-1', 'prod', '/teo', 'GATEWAY_KEY', key);
    const handler = handlerWith();
    await fromInfisical(handler);
    infisical.revokeTokens();
    const next = newKey();
    infisical.set('proj-1', 'prod', '/teo', 'GATEWAY_KEY', next);

    expect((await fromInfisical(handler)).json.Results[0].Outcome).toBe('synced');
    expect(teo.zoneKey(INFISICAL_ZONE)).toBe(next);
  });

  it.each([
    ['signed more than 5 minutes ago', () => fromInfisical(handlerWith(), clock - 5 * 60 * 1000 - 1)],
    [
      'whose signed time is not the body’s',
      () => fromInfisical(handlerWith(), clock, infisicalPayload(clock - 1000)),
    ],
  ])('refuses one %s with 401, reading nothing', async (_, send) => {
    const answer = await send();

    expect(answer.status).toBe(401);
    expect(infisical.calls).toEqual([]);
  });
});

describe('a Secrets Manager label change (EventBridge)', () => {
  const labelUpdated = (arn: string, label = 'AWSCURRENT') => ({
    version: '0',
    id: 'c1a2b3c4-0000-4000-8000-000000000001',
    'detail-type': 'Secret Label Updated',
    source: 'aws.secretsmanager',
    account: '123456789012',
    time: '2026-11-28T12:00:00Z',
    region: 'eu-west-1',
    resources: [arn],
    detail: { labelUpdated: label, secretId: arn },
  });

  it('syncs the bound secret, reading the field that holds the key', async () => {
    const key = newKey();
    sm.put(AWS_SECRET, JSON.stringify({ ZoneId: AWS_ZONE, SecretKey: key }));

    const report = (await handlerWith()(labelUpdated(secretArn(AWS_SECRET)), lambdaContext())) as SyncReport;

    expect(report).toEqual({
      trigger: 'secretsmanager',
      results: [{ zoneId: AWS_ZONE, outcome: 'synced', conflict: false }],
      throttled: 0,
    });
    expect(teo.zoneKey(AWS_ZONE)).toBe(key);
  });

  it.each([
    ['a secret no binding names', () => labelUpdated(secretArn('other/secret'))],
    ['a label other than AWSCURRENT', () => labelUpdated(secretArn(AWS_SECRET), 'AWSPENDING')],
  ])('ignores %s', async (_, event) => {
    const report = (await handlerWith()(event(), lambdaContext())) as SyncReport;

    expect(report.results).toEqual([]);
    expect(teo.calls).toEqual([]);
  });

  it('follows the secret back when AWSCURRENT is moved to an older version, AWS’s way to undo a change', async () => {
    const [first, second] = [newKey(), newKey()];
    const secret = sm.put(AWS_SECRET, JSON.stringify({ SecretKey: first }));
    const [firstVersion = ''] = secret.versionWith('AWSCURRENT') ?? [];
    const handler = handlerWith();
    const notify = async () =>
      ((await handler(labelUpdated(secretArn(AWS_SECRET)), lambdaContext())) as SyncReport).results;
    await notify();
    sm.put(AWS_SECRET, JSON.stringify({ SecretKey: second }));
    await notify();
    expect(teo.zoneKey(AWS_ZONE)).toBe(second);

    secret.makeCurrent(firstVersion);
    const undone = await notify();
    const again = await notify();

    expect(undone).toEqual([{ zoneId: AWS_ZONE, outcome: 'synced', conflict: false }]);
    expect(teo.zoneKey(AWS_ZONE)).toBe(first);
    // In sync means TEO holds the source's current value, compared by value.
    expect(again).toEqual([{ zoneId: AWS_ZONE, outcome: 'in-sync', conflict: false }]);
    expect(syncLines().at(-1)).toMatchObject({ outcome: 'in-sync', keyFingerprint: fingerprint(first) });
  });

  it('fails the invocation when the sync fails, so that EventBridge retries and then dead-letters it', async () => {
    // Every attempt the AWS client makes.
    sm.failNext('InternalServiceError', 3);

    await expect(handlerWith()(labelUpdated(secretArn(AWS_SECRET)), lambdaContext())).rejects.toThrow(
      `Sync failed for ${AWS_ZONE}`,
    );
  });
});

describe('the reconcile schedule', () => {
  const scheduled = { 'detail-type': 'Scheduled Event', source: 'aws.events', resources: [], detail: {} };

  it('finds a zone whose key was changed behind its binding, and puts it back, reporting the drift', async () => {
    const key = newKey();
    doppler.set('gateways', 'prd', 'TEO_KEY', key);
    infisical.set('proj-1', 'prod', '/teo', 'GATEWAY_KEY', newKey());
    sm.put(AWS_SECRET, JSON.stringify({ SecretKey: newKey() }));
    const handler = handlerWith();
    await handler(scheduled, lambdaContext());
    await changeBehindTheBinding(DOPPLER_ZONE);
    output.restore();
    output = captureOutput();

    const report = (await handler(scheduled, lambdaContext())) as SyncReport;

    expect(report.results.map(({ zoneId, outcome }) => [zoneId, outcome])).toEqual([
      [DOPPLER_ZONE, 'synced'],
      [INFISICAL_ZONE, 'in-sync'],
      [AWS_ZONE, 'in-sync'],
    ]);
    expect(teo.zoneKey(DOPPLER_ZONE)).toBe(key);
    // Someone else's key, undone: alarmed (ERROR and SyncDrift, by service alone).
    expect(syncLines().find((line) => line.zone === DOPPLER_ZONE)).toMatchObject({
      level: 'ERROR',
      trigger: 'schedule',
      drift: 'foreign-key',
      SyncDrift: 1,
    });
    // Only a zone the schedule had to change is drift; one found in sync is not.
    const byZone = (zone: string) => syncLines().find((line) => line.zone === zone);
    expect([INFISICAL_ZONE, AWS_ZONE].map((zone) => [byZone(zone)?.drift, byZone(zone)?.level])).toEqual([
      [undefined, 'INFO'],
      [undefined, 'INFO'],
    ]);
  });

  it('reports a change only the schedule caught (its notification was lost) as drift, alarmed', async () => {
    const handler = handlerWith();
    doppler.set('gateways', 'prd', 'TEO_KEY', newKey());
    await fromDoppler(handler);
    // Changed in Doppler, and the webhook never arrives.
    doppler.set('gateways', 'prd', 'TEO_KEY', newKey());
    output.restore();
    output = captureOutput();

    await handler(scheduled, lambdaContext());

    expect(syncLines().find((line) => line.zone === DOPPLER_ZONE)).toMatchObject({
      level: 'ERROR',
      outcome: 'synced',
      drift: 'found-by-schedule',
      SyncDrift: 1,
    });
  });

  it('alarms a notified sync that replaced a key someone else set, and not one that followed its source', async () => {
    const handler = handlerWith();
    doppler.set('gateways', 'prd', 'TEO_KEY', newKey());
    await fromDoppler(handler);
    doppler.set('gateways', 'prd', 'TEO_KEY', newKey());
    await fromDoppler(handler);
    await changeBehindTheBinding(DOPPLER_ZONE);
    doppler.set('gateways', 'prd', 'TEO_KEY', newKey());

    await fromDoppler(handler);

    expect(syncLines().map((line) => [line.outcome, line.drift, line.level])).toEqual([
      ['synced', undefined, 'INFO'],
      ['synced', undefined, 'INFO'],
      ['synced', 'foreign-key', 'ERROR'],
    ]);
  });
});

describe('the sync webhooks’ routes', () => {
  /** A signed Doppler notification, sent with any method to any path. */
  const send = async (
    method: string,
    path: string,
    handler: (event: unknown, context: Context) => unknown = handlerWith(),
  ) => {
    const body = dopplerPayload();
    const response = (await handler(
      rotateEvent('http-api-v2', {
        method,
        path,
        body,
        headers: {
          authorization: undefined,
          'x-doppler-signature': `sha256=${mac(DOPPLER_WEBHOOK_SECRET, body)}`,
        },
      }),
      lambdaContext(),
    )) as HttpResponse;
    return { ...response, json: JSON.parse(response.body) };
  };

  it.each(['/sync/vault', '/sync/doppler/again', '/hooks/sync/doppler', '/sync/', '/doppler'])(
    'answers 404 at %s, reading nothing',
    async (path) => {
      const response = await send('POST', path);

      expect(response.statusCode).toBe(404);
      expect(response.json).toEqual({
        Error: {
          Code: 'NotFound',
          Message: 'Nothing is served at this path; see POST /sync/doppler and POST /sync/infisical.',
        },
      });
      expect(doppler.calls).toEqual([]);
      expect(syncLines()).toEqual([
        expect.objectContaining({
          outcome: 'refused',
          status: 404,
          errorCode: 'NotFound',
          errorDetail:
            'RouteNotFound: Nothing is served at this path; see POST /sync/doppler and POST /sync/infisical.',
        }),
      ]);
    },
  );

  it('answers 405 to another method, saying which one is allowed', async () => {
    const response = await send('PUT', '/sync/infisical');

    expect(response.statusCode).toBe(405);
    expect(response.headers?.allow).toBe('POST');
    expect(response.json.Error.Message).toBe('This path accepts only POST.');
  });

  it('answers every webhook uncached, as JSON', async () => {
    doppler.set('gateways', 'prd', 'TEO_KEY', newKey());

    const response = await send('POST', '/sync/doppler');

    expect(response.statusCode).toBe(200);
    expect(response.headers).toEqual({ 'content-type': 'application/json', 'cache-control': 'no-store' });
  });

  it('fails closed with 500, logged as a failure, when its configuration is invalid', async () => {
    const handler = createSyncHandler(loadSyncConfig({ ...env(), TENCENTCLOUD_SECRET_KEY: '' }));

    const response = await send('POST', '/sync/doppler', handler);

    expect(response.statusCode).toBe(500);
    expect(syncLines()).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        outcome: 'failed',
        status: 500,
        errorDetail: ['TENCENTCLOUD_SECRET_KEY is not set'],
      }),
    ]);
  });
});

describe('the schedule, when the configuration is invalid', () => {
  it('fails the invocation (Lambda retries it, then the dead-letter queue has it), with its line at ERROR', async () => {
    const handler = createSyncHandler(loadSyncConfig({ ...env(), TENCENTCLOUD_SECRET_KEY: '' }));

    const failed = handler({ 'detail-type': 'Scheduled Event', source: 'aws.events' }, lambdaContext(60_000));

    await expect(failed).rejects.toThrow('The function is misconfigured');
    expect(syncLines()).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        outcome: 'failed',
        errorCode: 'FunctionMisconfigured',
        errorDetail: ['TENCENTCLOUD_SECRET_KEY is not set'],
      }),
    ]);
    expect(syncLines()[0]).not.toHaveProperty('status');
  });
});

describe('an event that is no sync trigger', () => {
  it.each([
    ['another scheduled rule’s detail type', { source: 'aws.events', 'detail-type': 'Object Created' }],
    [
      'the schedule’s detail type from another source',
      { source: 'aws.s3', 'detail-type': 'Scheduled Event' },
    ],
    ['a label change from another source', { source: 'aws.events', 'detail-type': 'Secret Label Updated' }],
    [
      'another Secrets Manager event',
      { source: 'aws.secretsmanager', 'detail-type': 'AWS API Call via CloudTrail' },
    ],
    ['nothing', null],
  ])('is refused as InvalidEvent, syncing nothing: %s', async (_, event) => {
    await expect(handlerWith()(event, lambdaContext())).rejects.toMatchObject({
      name: 'InvalidRequest',
      code: 'InvalidEvent',
      message: 'The event is neither a sync webhook, a secret change nor the schedule.',
    });
    expect(teo.calls).toEqual([]);
    expect(doppler.calls).toEqual([]);
    expect(syncLines()).toEqual([
      expect.objectContaining({ level: 'INFO', outcome: 'refused', errorCode: 'InvalidEvent' }),
    ]);
    expect(syncLines()[0]?.source).toBe((event as { source?: string } | null)?.source);
  });

  it('logs at most 128 characters of what a refused event names', async () => {
    await expect(
      handlerWith()({ source: 'x'.repeat(1000), 'detail-type': 'y'.repeat(1000) }, lambdaContext()),
    ).rejects.toMatchObject({ code: 'InvalidEvent' });

    expect(syncLines()[0]).toMatchObject({ source: 'x'.repeat(128), detailType: 'y'.repeat(128) });
  });
});

describe('a sync that changed TEO', () => {
  let bus: EventBridgeStandIn;
  beforeAll(async () => {
    bus = await startEventBridgeStandIn();
  });
  afterAll(() => bus.close());

  it('is announced on the event bus, as a sync by its manager, with TEO’s RequestId; one in sync is not', async () => {
    const key = newKey();
    doppler.set('gateways', 'prd', 'TEO_KEY', key);
    const handler = handlerWith({
      events: eventBridgeEvents('default', awsJsonClient('events', { env: bus.env })),
    });

    await fromDoppler(handler);
    // Another delivery (not a replay of the first), finding TEO already on the value.
    await fromDoppler(handler, dopplerPayload({ diff: { updated: ['TEO_KEY'] } }));

    const [synced] = syncLines();
    const detail = JSON.parse(bus.entries[0]?.Detail ?? '');
    expect(bus.entries).toHaveLength(1);
    expect(detail).toMatchObject({
      ZoneId: DOPPLER_ZONE,
      KeyFingerprint: fingerprint(key),
      Caller: 'sync:doppler',
      Trigger: 'sync',
    });
    // The Describe that found the key out of date, then the Modify the event announces.
    expect(synced?.teoRequestIds).toEqual([expect.any(String), detail.RequestId]);
    expect(syncLines().map((line) => [line.outcome, line.eventPublished])).toEqual([
      ['synced', true],
      ['in-sync', undefined],
    ]);
    expect(syncLines()[0]).not.toHaveProperty('drift');
    expect(syncLines().map((line) => line.errorDetail)).toEqual([undefined, undefined]);
  });
});

describe('a scheduled sync with a failed binding', () => {
  const scheduled = { 'detail-type': 'Scheduled Event', source: 'aws.events' };

  it('syncs the others and does not fail the invocation: the next run retries the one that failed', async () => {
    doppler.set('gateways', 'prd', 'TEO_KEY', newKey());
    infisical.set('proj-1', 'prod', '/teo', 'GATEWAY_KEY', newKey());
    sm.failCall('GetSecretValue', { SecretId: secretArn(AWS_SECRET) }, 'DecryptionFailure');

    const report = (await handlerWith()(scheduled, lambdaContext())) as SyncReport;

    expect(report.results.map(({ zoneId, outcome }) => [zoneId, outcome])).toEqual([
      [DOPPLER_ZONE, expect.stringMatching(/^(?:synced|in-sync)$/)],
      [INFISICAL_ZONE, expect.stringMatching(/^(?:synced|in-sync)$/)],
      [AWS_ZONE, 'failed'],
    ]);
    const failedLine = syncLines().find((line) => line.zone === AWS_ZONE);
    expect(failedLine).toMatchObject({ outcome: 'failed', consecutiveFailures: 1 });
    expect(failedLine).not.toHaveProperty('needsAttention');
  });

  it('reports a binding that failed three runs in a row as needing attention (ERROR, an alarmed metric), until it syncs', async () => {
    const ledger = createInMemoryLedger();
    const handler = handlerWith({ ledger });
    sm.put(AWS_SECRET, JSON.stringify({ ZoneId: AWS_ZONE, SecretKey: newKey() }));
    const awsLine = () => syncLines().findLast((line) => line.zone === AWS_ZONE);
    const failedRun = async () => {
      sm.failCall('GetSecretValue', { SecretId: secretArn(AWS_SECRET) }, 'DecryptionFailure');
      await handler(scheduled, lambdaContext());
      return awsLine();
    };

    await failedRun();
    const second = await failedRun();
    const third = await failedRun();
    await handler(scheduled, lambdaContext());
    const mended = awsLine();

    expect(second).toMatchObject({ consecutiveFailures: 2 });
    expect(second).not.toHaveProperty('SyncNeedsAttention');
    expect(third).toMatchObject({
      level: 'ERROR',
      consecutiveFailures: 3,
      needsAttention: true,
      SyncNeedsAttention: 1,
    });
    // Declared by service alone, as the alarm reads it.
    expect(third).toHaveProperty('_aws.CloudWatchMetrics');
    expect((third?._aws as { CloudWatchMetrics?: unknown[] } | undefined)?.CloudWatchMetrics).toContainEqual({
      Namespace: 'TeoKeyRotator',
      Dimensions: [['service']],
      Metrics: [{ Name: 'SyncNeedsAttention', Unit: 'Count' }],
    });
    expect(mended).toMatchObject({ outcome: 'synced', lastVerified: expect.stringMatching(/^\d{4}-/) });
    expect(mended).not.toHaveProperty('consecutiveFailures');
  });
});

describe('a scheduled run at fleet scale: the oldest first, and never past the deadline', () => {
  const scheduled = { 'detail-type': 'Scheduled Event', source: 'aws.events' };
  const runLine = () => output.lines().findLast((line) => line.operation === 'sync-run');
  /** A Lambda context whose remaining time runs on the test's clock: 60 s from now. */
  const contextUntil = (end: number) => ({ ...lambdaContext(), getRemainingTimeInMillis: () => end - clock });
  beforeEach(() => {
    doppler.set('gateways', 'prd', 'TEO_KEY', newKey());
    infisical.set('proj-1', 'prod', '/teo', 'GATEWAY_KEY', newKey());
    sm.put(AWS_SECRET, JSON.stringify({ ZoneId: AWS_ZONE, SecretKey: newKey() }));
  });

  /** A signed Doppler delivery to a function with `ms` left of its time. */
  const dopplerWithin = async (handler: ReturnType<typeof handlerWith>, ms: number) => {
    const body = dopplerPayload();
    const event = rotateEvent('http-api-v2', {
      path: '/sync/doppler',
      method: 'POST',
      body,
      headers: {
        authorization: undefined,
        'x-doppler-signature': `sha256=${mac(DOPPLER_WEBHOOK_SECRET, body)}`,
      },
    });
    return (await handler(event, contextUntil(clock + ms))) as HttpResponse;
  };

  it('takes the bindings never verified first, then those verified longest ago', async () => {
    const ledger = createInMemoryLedger();
    await ledger.recordSync(DOPPLER_ZONE, { verified: true, at: clock - 1000 });
    await ledger.recordSync(INFISICAL_ZONE, { verified: true, at: clock - 5000 });

    const report = (await handlerWith({ ledger })(scheduled, contextUntil(clock + 60_000))) as SyncReport;

    expect(report.results.map(({ zoneId }) => zoneId)).toEqual([AWS_ZONE, INFISICAL_ZONE, DOPPLER_ZONE]);
    expect(runLine()).toMatchObject({ outcome: 'reconciled', trigger: 'schedule', bindings: 3, reached: 3 });
    // With a key pair there is no keyless health to check.
    expect(output.lines().filter((line) => line.operation === 'keyless-health')).toEqual([]);
  });

  it('starts no binding with less time left than one may take, says how many it reached, and the next run takes the rest first', async () => {
    const ledger = createInMemoryLedger();
    const { recordSync } = ledger;
    let slow = true;
    // The first binding takes 55 of the run's 60 seconds (its TEO key is the secret's already, so that it is done
    // before the run's others start): less is left than a binding may need.
    await fromDoppler(handlerWith());
    ledger.recordSync = async (...args) => {
      if (slow) clock += 55_000;
      slow = false;
      return recordSync(...args);
    };
    // One binding at a time, so that the slow first one holds up the others.
    const handler = handlerWith({ ledger, settings: { ROTATOR_SYNC_CONCURRENCY: '1' } });

    const first = (await handler(scheduled, contextUntil(clock + 60_000))) as SyncReport;
    const firstRun = runLine();
    const next = (await handler(scheduled, contextUntil(clock + 60_000))) as SyncReport;

    expect(first.results.map(({ zoneId, outcome }) => [zoneId, outcome])).toEqual([
      [DOPPLER_ZONE, 'in-sync'],
      [INFISICAL_ZONE, 'deferred'],
      [AWS_ZONE, 'deferred'],
    ]);
    expect(firstRun).toMatchObject({
      outcome: 'deferred',
      bindings: 3,
      reached: 1,
      SyncDeferred: 2,
    });
    expect(
      (firstRun?._aws as { CloudWatchMetrics?: unknown[] } | undefined)?.CloudWatchMetrics,
    ).toContainEqual({
      Namespace: 'TeoKeyRotator',
      Dimensions: [['service']],
      Metrics: [{ Name: 'SyncDeferred', Unit: 'Count' }],
    });
    expect(next.results.map(({ zoneId }) => zoneId)).toEqual([INFISICAL_ZONE, AWS_ZONE, DOPPLER_ZONE]);
    expect(runLine()).toMatchObject({ outcome: 'reconciled', reached: 3 });
    expect(runLine()).not.toHaveProperty('SyncDeferred');
  });

  it('starts a binding with just the time one may take left', async () => {
    doppler.set('gateways', 'prd', 'TEO_KEY', newKey());
    const answer = await dopplerWithin(handlerWith(), 5800);

    expect(JSON.parse(answer.body).Results).toEqual([{ ZoneId: DOPPLER_ZONE, Outcome: 'synced' }]);
    // A webhook that reached every binding writes no run line: its bindings' lines say it all.
    expect(runLine()).toBeUndefined();
  });

  it('paces TEO across bindings: the second Describe waits 1/8 s after the first', async () => {
    const before = clock;

    await handlerWith({ settings: { ROTATOR_SYNC_CONCURRENCY: '1' } })(
      scheduled,
      contextUntil(clock + 60_000),
    );

    // Three Describes and three Modifies, each action's spaced 125 ms on the test's clock.
    expect(clock - before).toBeGreaterThanOrEqual(250);
  });

  it('answers a webhook it could not reach in time 503, for the sender to send it again', async () => {
    // Less than a binding may take: a manager's read (5 s), TEO's timeout (0.3 s here) and the 0.5 s kept to answer.
    const late = await dopplerWithin(handlerWith(), 5799);

    expect(undocumented('POST', '/sync/doppler', late)).toEqual([]);
    expect([late.statusCode, JSON.parse(late.body)]).toEqual([
      503,
      { Results: [{ ZoneId: DOPPLER_ZONE, Outcome: 'deferred' }] },
    ]);
    expect(doppler.calls).toEqual([]);
    expect(runLine()).toMatchObject({ outcome: 'deferred', trigger: 'doppler', reached: 0, SyncDeferred: 1 });
  });
});

describe('a Secrets Manager notification whose sync failed', () => {
  it('names the zones it failed, then those it deferred', () => {
    expect(new SyncFailed(['zone-a'], ['zone-b', 'zone-c'])).toMatchObject({
      message: 'Sync failed for zone-a; Sync deferred for zone-b, zone-c',
      zoneIds: ['zone-a', 'zone-b', 'zone-c'],
    });
  });

  const secretChanged = () => ({
    'detail-type': 'Secret Label Updated',
    source: 'aws.secretsmanager',
    resources: [secretArn(AWS_SECRET)],
    detail: { labelUpdated: 'AWSCURRENT', secretId: secretArn(AWS_SECRET) },
  });

  it('fails the invocation naming the zone, for EventBridge to deliver it again', async () => {
    sm.put(AWS_SECRET, JSON.stringify({ ZoneId: AWS_ZONE, SecretKey: newKey() }));
    sm.failCall('GetSecretValue', { SecretId: secretArn(AWS_SECRET) }, 'DecryptionFailure');

    await expect(handlerWith()(secretChanged(), lambdaContext())).rejects.toMatchObject({
      name: 'SyncFailed',
      message: `Sync failed for ${AWS_ZONE}`,
      zoneIds: [AWS_ZONE],
    });
  });

  it('fails the invocation when Secrets Manager throttles past the time left, so that the change is not lost', async () => {
    sm.put(AWS_SECRET, JSON.stringify({ ZoneId: AWS_ZONE, SecretKey: newKey() }));
    const before = teo.zoneKey(AWS_ZONE);
    // Every attempt the AWS client makes; the second it would then wait is more than the run has left.
    sm.failNext('ThrottlingException', 3);
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 11_000 };

    await expect(handlerWith()(secretChanged(), context)).rejects.toMatchObject({
      name: 'SyncFailed',
      message: `Sync deferred for ${AWS_ZONE}`,
      zoneIds: [AWS_ZONE],
    });
    expect(teo.zoneKey(AWS_ZONE)).toBe(before);
    expect(syncLines()).toEqual([]);
  });
});

describe('everything sync wrote', () => {
  it('holds no value, token, client secret or webhook secret', async () => {
    const key = newKey();
    doppler.set('gateways', 'prd', 'TEO_KEY', key);
    infisical.set('proj-1', 'prod', '/teo', 'GATEWAY_KEY', key);
    const handler = handlerWith();
    await fromDoppler(handler);
    await fromInfisical(handler);
    doppler.set('gateways', 'prd', 'TEO_KEY', `${key}x`);
    await fromDoppler(handler);
    await fromDoppler(handler, dopplerPayload(), 'sha256=bad');

    const everything = output.text();
    for (const secret of [
      key,
      DOPPLER_TOKEN,
      INFISICAL.secret,
      DOPPLER_WEBHOOK_SECRET,
      INFISICAL_WEBHOOK_SECRET,
      TENCENT_SECRET_KEY,
    ]) {
      expect(everything).not.toContain(secret);
    }
  });
});

describe('ROTATOR_SYNC_BINDINGS', () => {
  const problems = (bindings: unknown[], extra: Record<string, string> = {}) => {
    const loaded = loadSyncConfig({ ...env(), ROTATOR_SYNC_BINDINGS: JSON.stringify(bindings), ...extra });
    return loaded.ok ? [] : loaded.problems;
  };
  const dopplerSource = { kind: 'doppler', project: 'p', config: 'c', name: 'N' };

  it.each([
    [
      'one zone bound twice',
      [
        { zone: 'zone-a1', source: dopplerSource },
        { zone: 'zone-a1', source: { ...dopplerSource, name: 'M' } },
      ],
      'ROTATOR_SYNC_BINDINGS: the zone zone-a1 is bound more than once',
    ],
    [
      'a manager URL in clear text',
      [{ zone: 'zone-a1', source: { ...dopplerSource, apiUrl: 'http://doppler.example.com' } }],
      'ROTATOR_SYNC_BINDINGS[0]: apiUrl must be an https:// origin (http:// only to a loopback address)',
    ],
    [
      'an unknown kind',
      [{ zone: 'zone-a1', source: { kind: 'vault' } }],
      'ROTATOR_SYNC_BINDINGS[0]: source.kind must be aws-secrets-manager, doppler or infisical',
    ],
    [
      'a malformed zone',
      [{ zone: 'zone-A', source: dopplerSource }],
      `ROTATOR_SYNC_BINDINGS[0]: zone must be a zone id ('zone-' followed by 1 to 64 lower-case letters or digits)`,
    ],
  ])('refuses %s at load, naming the problem', (_, bindings, problem) => {
    expect(problems(bindings)).toEqual([problem]);
  });

  it('takes an empty list: sync is off, and the schedule finds nothing to do', async () => {
    const loaded = loadSyncConfig({ ...env(), ROTATOR_SYNC_BINDINGS: '[]' });
    if (!loaded.ok) throw new Error(loaded.problems.join('; '));

    const report = (await createSyncHandler(loaded)(
      { source: 'aws.events', 'detail-type': 'Scheduled Event' },
      lambdaContext(),
    )) as SyncReport;

    expect(report.results).toEqual([]);
  });

  it.each([undefined, '', '  '])(
    'requires ROTATOR_SYNC_BINDINGS in the sync function (%j is unset)',
    (raw) => {
      const loaded = loadSyncConfig({ ...env(), ROTATOR_SYNC_BINDINGS: raw });

      expect(loaded).toEqual({ ok: false, problems: ['ROTATOR_SYNC_BINDINGS is not set'] });
    },
  );

  it('requires the Doppler token when a binding reads Doppler', () => {
    expect(problems([{ zone: 'zone-a1', source: dopplerSource }], { DOPPLER_TOKEN: '' })).toEqual([
      'DOPPLER_TOKEN is not set, and a binding reads Doppler',
    ]);
  });

  describe("sends each manager's credentials only to its own hosts", () => {
    const infisicalSource = { kind: 'infisical', projectId: 'p', environment: 'prod', name: 'N' };
    const at = (source: Record<string, string>, url: Record<string, string>) => [
      { zone: 'zone-a1', source: { ...source, ...url } },
    ];

    it.each([
      ["Doppler's own API, by default", at(dopplerSource, {})],
      ["Infisical's US cloud, by default", at(infisicalSource, {})],
      ["Infisical's EU cloud", at(infisicalSource, { siteUrl: 'https://eu.infisical.com' })],
    ])('admits %s', (_, bindings) => {
      expect(problems(bindings)).toEqual([]);
    });

    it.each([
      [
        'doppler',
        at(dopplerSource, { apiUrl: 'https://doppler.attacker.example' }),
        "ROTATOR_SYNC_BINDINGS: the apiUrl of zone-a1's binding is not among DOPPLER_API_HOSTS (unset: api.doppler.com): the doppler credentials go only to its own hosts",
      ],
      [
        'infisical',
        at(infisicalSource, { siteUrl: 'https://infisical.attacker.example' }),
        "ROTATOR_SYNC_BINDINGS: the siteUrl of zone-a1's binding is not among INFISICAL_SITE_HOSTS (unset: app.infisical.com, eu.infisical.com): the infisical credentials go only to its own hosts",
      ],
    ])('refuses a %s binding naming another host, at load', (_, bindings, problem) => {
      expect(problems(bindings)).toEqual([problem]);
    });

    it('admits a self-hosted site the deployment names, and then no longer the vendor’s own', () => {
      const hosts = { INFISICAL_SITE_HOSTS: 'infisical.corp.example, vault.corp.example' };

      expect(problems(at(infisicalSource, { siteUrl: 'https://vault.corp.example' }), hosts)).toEqual([]);
      expect(problems(at(infisicalSource, {}), hosts)).toHaveLength(1);
    });

    it('takes an empty list as unset: the vendors’ own hosts', () => {
      expect(problems(at(dopplerSource, {}), { DOPPLER_API_HOSTS: ' ' })).toEqual([]);
    });
  });
});
