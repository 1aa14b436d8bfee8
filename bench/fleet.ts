// The fleet row of `npm run bench` (BENCHMARKS.md): one scheduled reconcile of a fleet of bindings (a quarter
// drifted; Doppler, Infisical and Secrets Manager sources in equal parts) against the stand-ins with their vendors'
// rate limits on and latency on every answer, the ledger on dynalite. Its baseline is the rate-limit floor of the
// same fleet: its Describes (and, alongside, its Modifies) at the configured rate, which no run can beat.
import { randomBytes } from 'node:crypto';
import { awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { createDynamoDbLedger } from '#lib/adapters/aws/dynamodb-ledger.ts';
import { createSecretReaders } from '#lib/adapters/managers/secret-readers.ts';
import type { SecretLocation } from '#lib/domain/sync/binding.ts';
import { loadSyncConfig } from '#lib/handlers/config/sync-config.ts';
import { createSyncHandler, type SyncReport } from '#lib/handlers/sync/handler.ts';
import { startDopplerEmulator, startInfisicalEmulator } from '../emulator/secrets-managers.ts';
import { startTeoEmulator } from '../emulator/teo-emulator.ts';
import { DEMO_TENCENT } from '../local/demo-setup.ts';
import type { LocalDynamoDb } from '../test/support/dynalite.ts';
import { startSecretsManagerStandIn } from '../test/support/secrets-manager-stand-in.ts';

/** Bindings per Doppler config, per Infisical folder: a platform team's layout, one config or folder per team. */
const PER_GROUP = 50;
/** The run's deadline: the sync function's timeout (serverless.yml). */
const TIMEOUT_MS = 300_000;

export interface FleetRun {
  readonly bindings: number;
  readonly drifted: number;
  readonly latencyMs: number;
  readonly teoRatePerSecond: number;
  readonly wallMs: number;
  readonly floorMs: number;
  readonly wallVsFloor: number;
  readonly outcomes: Record<string, number>;
  /** What the run's own audit line said. */
  readonly runLine: { readonly outcome: unknown; readonly reached: unknown; readonly throttled: unknown };
  readonly teoRequests: Record<string, number>;
  readonly requestLimitExceeded: number;
  readonly managerRequests: Readonly<
    Record<'doppler' | 'infisical' | 'infisicalLogins' | 'secretsManager', number>
  >;
  /** One per config, folder and 20 Secrets Manager secrets, and again for those with a binding synced. */
  readonly managerRequestsAllowed: number;
}

export async function benchFleet(
  dynamo: LocalDynamoDb,
  { bindings, latencyMs }: { bindings: number; latencyMs: number },
): Promise<FleetRun> {
  const third = Math.floor(bindings / 3);
  const fleet = Array.from({ length: bindings }, (_, at) => {
    const kind = at < third ? 'doppler' : at < 2 * third ? 'infisical' : 'aws';
    return { zone: `zone-fleet${at}`, kind, group: Math.floor(at / PER_GROUP), drifted: at % 4 === 0 };
  });
  const keys = new Map(fleet.map(({ zone }) => [zone, randomBytes(32).toString('base64')]));
  const token = 'dp.st.bench.FakeDopplerServiceToken0000';
  const identity = { id: 'bench-infisical-client', secret: 'bench-infisical-client-secret-00' };
  const [teo, doppler, infisical, sm] = await Promise.all([
    startTeoEmulator({
      credentials: { [DEMO_TENCENT.secretId]: DEMO_TENCENT.secretKey },
      zones: Object.fromEntries(keys),
      latencyMs,
    }),
    startDopplerEmulator(token, { perMinute: 240, latencyMs }),
    startInfisicalEmulator(identity.id, identity.secret, { perMinute: 120, latencyMs }),
    startSecretsManagerStandIn({ latencyMs }),
  ]);
  try {
    const sourceOf = ({ zone, kind, group }: (typeof fleet)[number]): SecretLocation =>
      kind === 'doppler'
        ? { kind, apiUrl: doppler.url, project: 'edge', config: `team-${group}`, name: zone.toUpperCase() }
        : kind === 'infisical'
          ? {
              kind,
              siteUrl: infisical.url,
              projectId: 'edge',
              environment: 'prod',
              secretPath: `/team-${group}`,
              name: zone,
            }
          : { kind: 'aws-secrets-manager', secretArn: sm.arnOf(zone) };
    const groups = new Set<string>();
    const driftedGroups = new Set<string>();
    let smSecrets = 0;
    let smDrifted = 0;
    for (const binding of fleet) {
      const value = binding.drifted ? randomBytes(32).toString('base64') : (keys.get(binding.zone) as string);
      const source = sourceOf(binding);
      if (source.kind === 'doppler') doppler.set(source.project, source.config, source.name, value);
      else if (source.kind === 'infisical')
        infisical.set(source.projectId, source.environment, source.secretPath, source.name, value);
      else sm.put(binding.zone, value);
      if (source.kind === 'aws-secrets-manager') {
        smSecrets += 1;
        smDrifted += binding.drifted ? 1 : 0;
      } else {
        const group = `${binding.kind}/${binding.group}`;
        groups.add(group);
        if (binding.drifted) driftedGroups.add(group);
      }
    }
    const loaded = loadSyncConfig({
      TENCENTCLOUD_SECRET_ID: DEMO_TENCENT.secretId,
      TENCENTCLOUD_SECRET_KEY: DEMO_TENCENT.secretKey,
      ROTATOR_FINGERPRINT_KEY: 'bench-fingerprint-key-not-a-secret-000000',
      TEO_ENDPOINT: teo.url,
      DOPPLER_TOKEN: token,
      INFISICAL_CLIENT_ID: identity.id,
      INFISICAL_CLIENT_SECRET: identity.secret,
      ROTATOR_SYNC_BINDINGS: JSON.stringify(
        fleet.map((binding) => ({ zone: binding.zone, source: sourceOf(binding) })),
      ),
    });
    if (!loaded.ok) throw new Error(loaded.problems.join('; '));
    const handler = createSyncHandler(loaded, {
      ledger: createDynamoDbLedger('teo-key-rotator-bench', {
        client: awsJsonClient('dynamodb', { env: dynamo.env }),
      }),
      readers: createSecretReaders(
        { dopplerToken: token, infisicalClientId: identity.id, infisicalClientSecret: identity.secret },
        { aws: awsJsonClient('secretsmanager', { env: sm.env }) },
      ),
    });
    // The run's audit lines (one a binding) are kept, not printed: the run's own is reported.
    const lines: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((line: string) => lines.push(line) > 0) as typeof write;
    const started = performance.now();
    const deadline = Date.now() + TIMEOUT_MS;
    let report: SyncReport;
    try {
      report = (await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, {
        awsRequestId: 'bench-fleet',
        functionName: 'teo-key-rotator-bench-sync',
        getRemainingTimeInMillis: () => deadline - Date.now(),
      } as never)) as SyncReport;
    } finally {
      process.stdout.write = write;
    }
    const wallMs = performance.now() - started;
    const runLine = lines.map((line) => JSON.parse(line)).find(({ operation }) => operation === 'sync-run');
    const rate = loaded.config.pacing.teoRatePerSecond;
    const drifted = fleet.filter((binding) => binding.drifted).length;
    // Describes and Modifies are paced apart: the longer of the two sets the floor.
    const floorMs = (Math.max(bindings, drifted) / rate) * 1000;
    const count = (values: readonly string[]) =>
      values.reduce<Record<string, number>>((counts, value) => {
        counts[value] = (counts[value] ?? 0) + 1;
        return counts;
      }, {});
    const batches = (secrets: number) => Math.ceil(secrets / 20);
    return {
      bindings,
      drifted,
      latencyMs,
      teoRatePerSecond: rate,
      wallMs: Math.round(wallMs),
      floorMs: Math.round(floorMs),
      wallVsFloor: Number((wallMs / floorMs).toFixed(3)),
      outcomes: count(report.results.map(({ outcome }) => outcome)),
      runLine: { outcome: runLine?.outcome, reached: runLine?.reached, throttled: runLine?.throttled ?? 0 },
      teoRequests: count(teo.calls.map(({ action }) => action.replace('MultiPathGatewaySecretKey', ''))),
      requestLimitExceeded: teo.calls.filter(({ answer }) => answer === 'RequestLimitExceeded').length,
      managerRequests: {
        doppler: doppler.calls.length,
        // Its logins are not reads (one a run here: the token is kept for its life), and are counted apart.
        infisical: infisical.calls.filter((call) => call.startsWith('GET ')).length,
        infisicalLogins: infisical.calls.filter((call) => call.startsWith('POST ')).length,
        secretsManager: sm.calls.length,
      },
      managerRequestsAllowed: groups.size + driftedGroups.size + batches(smSecrets) + batches(smDrifted),
    };
  } finally {
    await Promise.all([teo.close(), doppler.close(), infisical.close(), sm.close()]);
  }
}
