// docs/contract.md §1: a zone's first key, through each of the three functions (the HTTP rotation with its dry run and
// zone status, sync, the Secrets Manager rotation), against the TEO emulator with a zone that has no key yet,
// described each way TEO might (ResourceNotFound, or an answer without a SecretKey: which one is not documented).
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { eventBridgeEvents } from '#lib/adapters/aws/rotation-events.ts';
import { createInMemoryLedger } from '#lib/domain/ledger/in-memory-ledger.ts';
import { loadConfig } from '#lib/handlers/config/rotator-config.ts';
import { loadSecretsManagerConfig } from '#lib/handlers/config/secrets-manager-config.ts';
import { loadSyncConfig } from '#lib/handlers/config/sync-config.ts';
import { createSecretsManagerRotationHandler } from '#lib/handlers/secrets-manager/handler.ts';
import { createSyncHandler, type SyncReport } from '#lib/handlers/sync/handler.ts';
import { type DopplerEmulator, startDopplerEmulator } from '../emulator/secrets-managers.ts';
import type { KeylessDescribe, TeoEmulator } from '../emulator/teo-emulator.ts';
import { DEMO_NEW_ZONE, DEMO_TENCENT, startDemoEmulator } from '../local/demo-setup.ts';
import { type CapturedOutput, captureOutput } from './support/captured-output.ts';
import { type EventBridgeStandIn, startEventBridgeStandIn } from './support/eventbridge-stand-in.ts';
import { lambdaContext, rotateEvent } from './support/events.ts';
import { FAST_RETRY, FINGERPRINT_KEY, fingerprint, sha256Hex } from './support/fake-config.ts';
import { createDocumentedHandler } from './support/openapi.ts';
import {
  type SecretsManagerStandIn,
  secretArn,
  startSecretsManagerStandIn,
} from './support/secrets-manager-stand-in.ts';
import { sendSigned } from './support/signed-request.ts';

const ZONE = DEMO_NEW_ZONE;
const TOKEN = 'test-token-first-key-0123456789';
const MODIFY = 'ModifyMultiPathGatewaySecretKey';
const CREATE = 'CreateMultiPathGatewaySecretKey';
const DESCRIBE = 'DescribeMultiPathGatewaySecretKey';
const DOPPLER_TOKEN = 'dp.st.prd.FakeDopplerTokenForFirstKeyTests00';

let bus: EventBridgeStandIn;
let doppler: DopplerEmulator;
let sm: SecretsManagerStandIn;
beforeAll(async () => {
  [bus, doppler, sm] = await Promise.all([
    startEventBridgeStandIn(),
    startDopplerEmulator(DOPPLER_TOKEN),
    startSecretsManagerStandIn(),
  ]);
});
afterAll(async () => {
  await Promise.all([bus.close(), doppler.close(), sm.close()]);
});

const newKey = () => randomBytes(32).toString('base64');
const teoEnv = (emulator: TeoEmulator) => ({
  TENCENTCLOUD_SECRET_ID: DEMO_TENCENT.secretId,
  TENCENTCLOUD_SECRET_KEY: DEMO_TENCENT.secretKey,
  ROTATOR_FINGERPRINT_KEY: FINGERPRINT_KEY,
  TEO_ENDPOINT: emulator.url,
  TEO_TIMEOUT_MS: '300',
});

describe.each<KeylessDescribe>(['ResourceNotFound', 'no-SecretKey'])(
  'a zone with no key yet, described by %s',
  (keylessDescribe) => {
    let emulator: TeoEmulator;
    let output: CapturedOutput;
    beforeEach(async () => {
      // A fresh emulator each test: the zone starts without a key every time.
      emulator = await startDemoEmulator({ keylessDescribe });
      output = captureOutput();
    });
    afterEach(async () => {
      output.restore();
      bus.entries.length = 0;
      await emulator.close();
    });

    const calls = () => emulator.calls.map(({ action, answer }) => [action, answer]);
    const described = keylessDescribe === 'ResourceNotFound' ? 'ResourceNotFound' : 'ok';
    const auditLines = () => output.lines().filter((line) => line.message === 'rotation request');

    describe('through the HTTP function', () => {
      const handler = () =>
        createDocumentedHandler(
          loadConfig({
            ...teoEnv(emulator),
            ROTATOR_CLIENTS: JSON.stringify([{ name: 'ops', zones: ['*'], tokenSha256: [sha256Hex(TOKEN)] }]),
          }),
          {
            ledger: createInMemoryLedger(),
            retry: FAST_RETRY,
            events: eventBridgeEvents('default', awsJsonClient('events', { env: bus.env })),
          },
        );
      const send = async (rotate: ReturnType<typeof handler>, changes: Parameters<typeof rotateEvent>[1]) => {
        const response = await rotate(
          rotateEvent('http-api-v2', { ...changes, headers: { authorization: `Bearer ${TOKEN}` } }),
          lambdaContext(),
        );
        return { status: response.statusCode, json: JSON.parse(response.body) };
      };
      const rotation = (secretKey: string, extra: Record<string, unknown> = {}) => ({
        body: JSON.stringify({ ZoneId: ZONE, SecretKey: secretKey, ...extra }),
      });
      const status = { method: 'GET', path: `/zones/${ZONE}`, body: '' };

      it('reports no key as a state: zone status 200 with HasKey false and LiveKeyFingerprint null', async () => {
        const answer = await send(handler(), status);

        expect(answer).toEqual({
          status: 200,
          json: {
            ZoneId: ZONE,
            HasKey: false,
            LiveKeyFingerprint: null,
            RequestId: emulator.calls[0]?.requestId,
            LastRotation: null,
          },
        });
        expect(auditLines()).toEqual([
          expect.objectContaining({ outcome: 'described', status: 200, zone: ZONE }),
        ]);
      });

      it('rehearses a first key: a dry run answers 200 with HasKey false and creates nothing', async () => {
        const key = newKey();
        const answer = await send(handler(), rotation(key, { DryRun: true }));

        expect(answer).toEqual({
          status: 200,
          json: {
            DryRun: true,
            RequestId: expect.any(String),
            HasKey: false,
            KeyFingerprint: fingerprint(key),
            Live: false,
          },
        });
        expect(calls()).toEqual([[DESCRIBE, described]]);
        expect(emulator.zoneKey(ZONE)).toBeUndefined();
      });

      it("sets the first key with Create once Modify is refused and Describe shows none: Create's RequestId, one line, one event", async () => {
        const key = newKey();
        const rotate = handler();

        const answer = await send(rotate, rotation(key));

        expect(calls()).toEqual([
          [MODIFY, 'ResourceNotFound'],
          [DESCRIBE, described],
          [CREATE, 'ok'],
        ]);
        expect(answer).toEqual({
          status: 200,
          json: {
            RequestId: emulator.calls[2]?.requestId,
            KeyFingerprint: fingerprint(key),
            FirstKey: true,
          },
        });
        expect(emulator.zoneKey(ZONE)).toBe(key);
        expect(auditLines()).toEqual([
          expect.objectContaining({
            outcome: 'rotated',
            firstKey: true,
            teoAttempts: 2,
            teoRequestId: answer.json.RequestId,
            keyFingerprint: fingerprint(key),
          }),
        ]);
        expect(bus.entries.map((entry) => JSON.parse(entry.Detail))).toEqual([
          expect.objectContaining({
            ZoneId: ZONE,
            KeyFingerprint: fingerprint(key),
            RequestId: answer.json.RequestId,
          }),
        ]);
        expect(output.text()).not.toContain(key);

        // From then on the zone has a key: its status shows it, and the next rotation is a plain Modify.
        expect((await send(rotate, status)).json).toMatchObject({
          HasKey: true,
          LiveKeyFingerprint: fingerprint(key),
          LastRotation: { Live: true, RequestId: answer.json.RequestId },
        });
        emulator.calls.length = 0;
        const next = newKey();
        expect(await send(rotate, rotation(next))).toEqual({
          status: 200,
          json: { RequestId: emulator.calls[0]?.requestId, KeyFingerprint: fingerprint(next) },
        });
        expect(calls()).toEqual([[MODIFY, 'ok']]);
      });

      it('settles a Create whose answer was lost by reading the key back: sent once, the key live', async () => {
        const key = newKey();
        // Modify and Describe answer as usual; the Create takes effect and its answer is lost.
        emulator.inject({ kind: 'latency' }, { kind: 'latency' }, { kind: 'drop', applied: true });

        const answer = await send(handler(), rotation(key));

        expect(answer).toEqual({
          status: 200,
          json: {
            RequestId: emulator.calls[3]?.requestId,
            KeyFingerprint: fingerprint(key),
            SettledBy: DESCRIBE,
            FirstKey: true,
          },
        });
        expect(calls()).toEqual([
          [MODIFY, 'ResourceNotFound'],
          [DESCRIBE, described],
          [CREATE, 'dropped'],
          [DESCRIBE, 'ok'],
        ]);
        expect(emulator.zoneKey(ZONE)).toBe(key);
      });

      it('modifies, inside the same lease, when its Create is refused because a key was set meanwhile by another route', async () => {
        const key = newKey();
        const held = emulator.holdNext(CREATE);
        const answering = send(handler(), rotation(key));
        await held.arrived;
        // Someone sets the zone's first key in the console (or with Terraform) while the function's Create is on its way.
        const elsewhere = await sendSigned({
          url: emulator.url,
          action: CREATE,
          body: JSON.stringify({ ZoneId: ZONE, SecretKey: newKey() }),
          secretId: DEMO_TENCENT.secretId,
          secretKey: DEMO_TENCENT.secretKey,
        });
        expect(elsewhere.json?.Response.Error).toBeUndefined();
        held.release();

        const answer = await answering;

        expect(calls()).toEqual([
          [MODIFY, 'ResourceNotFound'],
          [DESCRIBE, described],
          [CREATE, 'ok'],
          [CREATE, 'OperationDenied'],
          [DESCRIBE, 'ok'],
          [MODIFY, 'ok'],
        ]);
        expect(answer).toEqual({
          status: 200,
          json: { RequestId: emulator.calls[5]?.requestId, KeyFingerprint: fingerprint(key) },
        });
        expect(emulator.zoneKey(ZONE)).toBe(key);
      });

      it('names the refused call in the answer: a zone TEO does not know is refused at Create, after Describe showed no key', async () => {
        const answer = await send(handler(), {
          body: JSON.stringify({ ZoneId: 'zone-unknown0', SecretKey: newKey() }),
        });

        expect(answer.status).toBe(422);
        expect(answer.json.Error).toEqual({
          Code: 'ResourceNotFound',
          Message: 'TEO refused CreateMultiPathGatewaySecretKey (ResourceNotFound).',
        });
      });
    });

    it('syncs a newly bound zone on the schedule: its first key created, the run not failed', async () => {
      const key = newKey();
      doppler.set('gateways', 'new', 'TEO_KEY', key);
      const loaded = loadSyncConfig({
        ...teoEnv(emulator),
        DOPPLER_TOKEN,
        ROTATOR_SYNC_BINDINGS: JSON.stringify([
          {
            zone: ZONE,
            source: {
              kind: 'doppler',
              apiUrl: doppler.url,
              project: 'gateways',
              config: 'new',
              name: 'TEO_KEY',
            },
          },
        ]),
      });
      const sync = createSyncHandler(loaded, { ledger: createInMemoryLedger(), retry: FAST_RETRY });

      const report = (await sync(
        { 'detail-type': 'Scheduled Event', source: 'aws.events' },
        lambdaContext(),
      )) as SyncReport;

      expect(report.results).toEqual([{ zoneId: ZONE, outcome: 'synced', conflict: false }]);
      expect(calls()).toEqual([
        [DESCRIBE, described],
        [CREATE, 'ok'],
      ]);
      expect(emulator.zoneKey(ZONE)).toBe(key);
      expect(output.lines().filter((line) => line.operation === 'sync')).toEqual([
        expect.objectContaining({
          outcome: 'synced',
          keyFingerprint: fingerprint(key),
          teoRequestIds: [emulator.calls[0]?.requestId, emulator.calls[1]?.requestId],
        }),
      ]);
    });

    /** A Secrets Manager rotation of the zone's secret, started: `step` runs one of its four steps. */
    const secretRotation = () => {
      const name = `teo-key-rotator/zones/${ZONE}`;
      const secret = sm.put(name, JSON.stringify({ ZoneId: ZONE }));
      const token = secret.startRotation();
      const rotator = createSecretsManagerRotationHandler(
        loadSecretsManagerConfig({ ...teoEnv(emulator), ROTATOR_SM_ZONES: ZONE }),
        {
          secrets: awsJsonClient('secretsmanager', { env: sm.env }),
          ledger: createInMemoryLedger(),
          retry: FAST_RETRY,
        },
      );
      const step = (Step: string) =>
        rotator({ Step, SecretId: secretArn(name), ClientRequestToken: token }, lambdaContext());
      return { secret, step };
    };

    it('refuses testSecret on a zone that still has no key: setSecret has not taken effect', async () => {
      const { step } = secretRotation();
      await step('createSecret');

      await expect(step('testSecret')).rejects.toThrow("TEO's key for the zone is not the pending one");
      expect(emulator.zoneKey(ZONE)).toBeUndefined();
    });

    it('bootstraps a zone through a Secrets Manager rotation: setSecret creates the first key, testSecret sees it', async () => {
      const { secret, step } = secretRotation();

      for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) await step(name);

      const current = secret.valueOf('AWSCURRENT');
      expect(emulator.zoneKey(ZONE)).toBe(current.SecretKey);
      expect(calls()).toEqual([
        [MODIFY, 'ResourceNotFound'],
        [DESCRIBE, described],
        [CREATE, 'ok'],
        [DESCRIBE, 'ok'],
      ]);
      expect(output.lines().map((line) => [line.step, line.outcome, line.firstKey])).toEqual([
        ['createSecret', 'completed', undefined],
        ['setSecret', 'rotated', true],
        ['testSecret', 'completed', undefined],
        ['finishSecret', 'completed', undefined],
      ]);
    });
  },
);
