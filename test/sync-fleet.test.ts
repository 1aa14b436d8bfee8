// Sync at fleet scale (docs/contract.md §8): many bindings in one scheduled run, against stand-ins that enforce their
// vendors' published rate limits (TEO: 20 requests a second per action; Doppler: 240 a minute per token; Infisical:
// 120; Secrets Manager: 100 BatchGetSecretValue a second), all on the test's clock, so that nothing waits in real time
// and a limit is judged by the same clock the function paces itself with.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { createSecretReaders } from '#lib/adapters/managers/secret-readers.ts';
import { createInMemoryLedger } from '#lib/domain/ledger/in-memory-ledger.ts';
import { systemClock } from '#lib/domain/retry.ts';
import type { SecretLocation } from '#lib/domain/sync/binding.ts';
import { loadSyncConfig } from '#lib/handlers/config/sync-config.ts';
import { createSyncHandler, type SyncReport } from '#lib/handlers/sync/handler.ts';
import {
  type DopplerEmulator,
  type InfisicalEmulator,
  startDopplerEmulator,
  startInfisicalEmulator,
} from '../emulator/secrets-managers.ts';
import { startTeoEmulator, type TeoEmulator } from '../emulator/teo-emulator.ts';
import { type CapturedOutput, captureOutput } from './support/captured-output.ts';
import { lambdaContext } from './support/events.ts';
import { FAST_RETRY, FINGERPRINT_KEY, TENCENT_SECRET_ID, TENCENT_SECRET_KEY } from './support/fake-config.ts';
import {
  type SecretsManagerStandIn,
  startSecretsManagerStandIn,
} from './support/secrets-manager-stand-in.ts';

const DOPPLER_TOKEN = 'dp.st.prd.FakeDopplerServiceTokenForTests000';
const INFISICAL = { id: 'fake-infisical-client-id', secret: 'fake-infisical-client-secret-000' };
const DESCRIBE = 'DescribeMultiPathGatewaySecretKey';
const MODIFY = 'ModifyMultiPathGatewaySecretKey';

/** 60 bindings: 24 in two Doppler configs, 12 in two Infisical folders, 24 Secrets Manager secrets. */
const FLEET = [
  ...Array.from({ length: 24 }, (_, at) => ({
    zone: `zone-dp${at}`,
    kind: 'doppler' as const,
    group: at % 2,
  })),
  ...Array.from({ length: 12 }, (_, at) => ({
    zone: `zone-in${at}`,
    kind: 'infisical' as const,
    group: at % 2,
  })),
  ...Array.from({ length: 24 }, (_, at) => ({ zone: `zone-sm${at}`, kind: 'aws' as const, group: 0 })),
];
const CONFIGS = ['prd', 'stg'];
const FOLDERS = ['/a', '/b'];
const newKey = () => randomBytes(32).toString('base64');

let clock = Date.now();
const testClock = {
  ...systemClock,
  now: () => clock,
  sleep: async (ms: number) => {
    clock += ms;
  },
};
let teo: TeoEmulator;
let doppler: DopplerEmulator;
let infisical: InfisicalEmulator;
let sm: SecretsManagerStandIn;
let output: CapturedOutput;

beforeAll(async () => {
  [teo, doppler, infisical, sm] = await Promise.all([
    startTeoEmulator({
      credentials: { [TENCENT_SECRET_ID]: TENCENT_SECRET_KEY },
      zones: Object.fromEntries(FLEET.map(({ zone }) => [zone, newKey()])),
      now: () => clock,
    }),
    startDopplerEmulator(DOPPLER_TOKEN, { perMinute: 240, now: () => clock }),
    startInfisicalEmulator(INFISICAL.id, INFISICAL.secret, { perMinute: 120, now: () => clock }),
    startSecretsManagerStandIn({ now: () => clock }),
  ]);
});
afterAll(async () => {
  await Promise.all([teo.close(), doppler.close(), infisical.close(), sm.close()]);
});
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => {
  output.restore();
  teo.calls.length = 0;
  doppler.calls.length = 0;
  infisical.calls.length = 0;
  sm.calls.length = 0;
});

const sourceOf = ({ zone, kind, group }: (typeof FLEET)[number]): SecretLocation =>
  kind === 'doppler'
    ? {
        kind,
        apiUrl: doppler.url,
        project: 'edge',
        config: CONFIGS[group] as string,
        name: zone.toUpperCase(),
      }
    : kind === 'infisical'
      ? {
          kind,
          siteUrl: infisical.url,
          projectId: 'proj',
          environment: 'prod',
          secretPath: FOLDERS[group] as string,
          name: zone,
        }
      : { kind: 'aws-secrets-manager', secretArn: sm.arnOf(zone) };

/** Puts each source's value: the key TEO holds, or a new one for those `drifted` picks. */
function setSources(drifted: (at: number) => boolean) {
  FLEET.forEach((binding, at) => {
    const value = drifted(at) ? newKey() : (teo.zoneKey(binding.zone) as string);
    const source = sourceOf(binding);
    if (source.kind === 'doppler') doppler.set(source.project, source.config, source.name, value);
    else if (source.kind === 'infisical')
      infisical.set(source.projectId, source.environment, source.secretPath, source.name, value);
    else sm.put(binding.zone, value);
  });
}

function handler(ledger = createInMemoryLedger()) {
  const loaded = loadSyncConfig({
    TENCENTCLOUD_SECRET_ID: TENCENT_SECRET_ID,
    TENCENTCLOUD_SECRET_KEY: TENCENT_SECRET_KEY,
    ROTATOR_FINGERPRINT_KEY: FINGERPRINT_KEY,
    TEO_ENDPOINT: teo.url,
    DOPPLER_TOKEN,
    INFISICAL_CLIENT_ID: INFISICAL.id,
    INFISICAL_CLIENT_SECRET: INFISICAL.secret,
    ROTATOR_SYNC_BINDINGS: JSON.stringify(
      FLEET.map((binding) => ({ zone: binding.zone, source: sourceOf(binding) })),
    ),
  });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  return createSyncHandler(loaded, {
    ledger,
    retry: FAST_RETRY,
    clock: testClock,
    readers: createSecretReaders(
      {
        dopplerToken: DOPPLER_TOKEN,
        infisicalClientId: INFISICAL.id,
        infisicalClientSecret: INFISICAL.secret,
      },
      { aws: awsJsonClient('secretsmanager', { env: sm.env, clock: testClock }), now: () => clock },
    ),
  });
}

const scheduled = { 'detail-type': 'Scheduled Event', source: 'aws.events' };
const contextUntil = (end: number) => ({ ...lambdaContext(), getRemainingTimeInMillis: () => end - clock });
const runLine = () => output.lines().findLast((line) => line.operation === 'sync-run');
const teoCalls = (action: string) => teo.calls.filter((call) => call.action === action).length;
const lists = (calls: readonly string[]) => calls.filter((call) => call.startsWith('GET ')).length;

describe('a scheduled run of 60 bindings, a quarter drifted', () => {
  it('reads one request per config, per folder and per 20 secrets, and reads again only the groups it changed', async () => {
    setSources((at) => at % 4 === 0);

    const report = (await handler()(scheduled, contextUntil(clock + 60_000))) as SyncReport;

    expect(report.results.filter(({ outcome }) => outcome === 'synced')).toHaveLength(15);
    expect(report.results.filter(({ outcome }) => outcome === 'in-sync')).toHaveLength(45);
    // Doppler: each config's list, then again for the one with bindings synced (the drifted ones are all in the
    // first); the same for Infisical's folders, with one login; Secrets Manager: 24 secrets in two batches, and the
    // six synced in one.
    expect(lists(doppler.calls)).toBe(2 + 1);
    expect([lists(infisical.calls), infisical.calls.length - lists(infisical.calls)]).toEqual([2 + 1, 1]);
    expect(sm.count('BatchGetSecretValue')).toBe(2 + 1);
    expect(sm.count('GetSecretValue')).toBe(0);
  });

  it('paces TEO below its limit, so that none of its answers is RequestLimitExceeded, and hides the latency behind the pace', async () => {
    setSources((at) => at % 4 === 1);
    const start = clock;

    await handler()(scheduled, contextUntil(clock + 60_000));

    expect([teoCalls(DESCRIBE), teoCalls(MODIFY)]).toEqual([60, 15]);
    expect(teo.calls.filter(({ answer }) => answer === 'RequestLimitExceeded')).toEqual([]);
    // 60 Describes at the default 8 a second take 7.5 s of the run's clock: the pace, and nothing else, sets it.
    expect(clock - start).toBeGreaterThanOrEqual(7000);
    expect(clock - start).toBeLessThan(8000);
  });
});

describe("a manager's rate limit", () => {
  // Each test starts with a minute of its own: the earlier tests' requests are out of every window.
  beforeEach(() => {
    clock += 61_000;
  });

  /** Spends the Doppler token's minute, as another reader of the same token would. */
  const exhaustDoppler = async () => {
    for (let at = 0; at < 240; at++) {
      await fetch(`${doppler.url}/v3/configs/config/secrets?project=edge&config=prd`, {
        headers: { authorization: `Bearer ${DOPPLER_TOKEN}` },
      });
    }
    doppler.calls.length = 0;
  };

  it('is waited out, per its Retry-After, when the run has the time', async () => {
    setSources((at) => at % 4 === 2);
    await exhaustDoppler();
    const start = clock;

    const report = (await handler()(scheduled, contextUntil(clock + 300_000))) as SyncReport;

    expect(report.results.filter(({ outcome }) => outcome === 'deferred')).toEqual([]);
    expect(report.results.filter(({ outcome }) => outcome === 'failed')).toEqual([]);
    // Refused once, both configs, then admitted after the minute.
    expect(doppler.calls.slice(0, 2)).toEqual(Array(2).fill('GET /v3/configs/config/secrets'));
    expect(clock - start).toBeGreaterThanOrEqual(60_000);
    expect(runLine()).toMatchObject({ outcome: 'reconciled', reached: 60 });
    expect(runLine()).not.toHaveProperty('throttled');
  });

  it('defers, never fails, the bindings it cannot wait for; the next run takes them first', async () => {
    setSources((at) => at % 4 === 3);
    await exhaustDoppler();
    const ledger = createInMemoryLedger();
    const run = handler(ledger);

    const first = (await run(scheduled, contextUntil(clock + 40_000))) as SyncReport;
    const firstLine = runLine();
    const firstLines = output.lines().filter((line) => String(line.zone).startsWith('zone-dp'));
    const health = await ledger.syncHealthOf(['zone-dp0', 'zone-in0']);
    clock += 60_000;
    const next = (await run(scheduled, contextUntil(clock + 40_000))) as SyncReport;

    const outcomes = (report: SyncReport, kind: string) =>
      new Set(report.results.filter(({ zoneId }) => zoneId.startsWith(kind)).map(({ outcome }) => outcome));
    expect(outcomes(first, 'zone-dp')).toEqual(new Set(['deferred']));
    expect(outcomes(first, 'zone-in')).toEqual(new Set(['synced', 'in-sync']));
    expect(firstLine).toMatchObject({ outcome: 'deferred', reached: 36, throttled: 24, SyncDeferred: 24 });
    // A deferred binding has no line of its own and no failure counted against it.
    expect(firstLines).toEqual([]);
    expect([health.has('zone-dp0'), health.get('zone-in0')?.consecutiveFailures]).toEqual([false, 0]);
    // The next run starts with the bindings never verified: Doppler's.
    expect(next.results.slice(0, 24).map(({ zoneId }) => zoneId.slice(0, 7))).toEqual(
      Array(24).fill('zone-dp'),
    );
    expect(outcomes(next, 'zone-dp')).toEqual(new Set(['synced', 'in-sync']));
  });
});
