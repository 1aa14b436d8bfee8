// The audit line every function writes (docs/contract.md §6), built by lib/handlers/audit/audit-log.ts: what an
// operator reads in CloudWatch, and what its metrics and alarms are made of.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthenticationFailed, ConfigurationInvalid, RotationConflict } from '#lib/domain/errors.ts';
import { startAudit, writeAudit } from '#lib/handlers/audit/audit-log.ts';
import { type CapturedOutput, captureOutput } from './support/captured-output.ts';
import { lambdaContext } from './support/events.ts';

let output: CapturedOutput;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['hrtime', 'Date'], now: Date.parse('2026-11-29T01:02:03.456Z') });
  output = captureOutput();
});
afterEach(() => {
  output.restore();
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

const written = (outcome: string, error?: unknown, fields: Record<string, unknown> = {}) => {
  writeAudit(startAudit(lambdaContext()), { outcome, error, fields });
  return output.lines().at(-1);
};

describe('the audit line', () => {
  it('says which invocation it is of, cold only the first time, with its X-Ray trace', async () => {
    vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-5759e988-bd862e3fe1be46a994272793');
    // A fresh instance of the module, as a cold start has.
    vi.resetModules();
    const fresh = await import('#lib/handlers/audit/audit-log.ts');
    const write = () => {
      fresh.writeAudit(fresh.startAudit(lambdaContext()), { outcome: 'rotated', fields: {} });
      return output.lines().at(-1);
    };

    const first = write();
    const second = write();

    expect(first).toMatchObject({
      level: 'INFO',
      message: 'rotation request',
      timestamp: '2026-11-29T01:02:03.456Z',
      service: 'teo-key-rotator',
      cold_start: true,
      function_request_id: 'c0ffee00-0000-4000-8000-000000000001',
      xray_trace_id: 'Root=1-5759e988-bd862e3fe1be46a994272793',
      outcome: 'rotated',
    });
    expect(first?.function_name).toEqual(expect.any(String));
    expect(second?.cold_start).toBe(false);
  });

  it('says how long the work took, from its start to the line', () => {
    // The clock is not at zero when the work starts, as it never is: the duration is a difference of two readings.
    vi.advanceTimersByTime(5000);
    const audit = startAudit(lambdaContext());
    vi.advanceTimersByTime(1234.4);

    writeAudit(audit, { outcome: 'rotated', fields: {} });

    expect(output.lines()[0]?.durationMs).toBe(1234);
  });

  it.each([
    ['failed', 'ERROR'],
    ['invalid-value', 'ERROR'],
    ['refused', 'INFO'],
    ['rotated', 'INFO'],
    ['in-sync', 'INFO'],
  ])('is %s at level %s: only what needs someone is an ERROR', (outcome, level) => {
    expect(written(outcome)?.level).toBe(level);
  });

  it.each([
    ['no error', undefined, undefined],
    [
      'a refused credential, by its reason',
      new AuthenticationFailed('bearer credential did not verify'),
      'bearer credential did not verify',
    ],
    [
      'a misconfiguration, by its problems',
      new ConfigurationInvalid(['A is not set', 'B is wrong']),
      ['A is not set', 'B is wrong'],
    ],
    [
      'any other error, by its name and message',
      new RotationConflict('ResourceInUse', 'Busy.'),
      'RotationConflict: Busy.',
    ],
    ['a thrown value that is no error', 'boom', 'boom'],
  ])('explains %s', (_, error, detail) => {
    expect(written('failed', error)?.errorDetail).toEqual(detail);
  });

  it('carries the fields of the work, and leaves out those it has no value for', () => {
    const line = written('rotated', undefined, { caller: 'ops', zone: 'zone-a1', dryRun: undefined });

    expect(line).toMatchObject({ caller: 'ops', zone: 'zone-a1', teoAttempts: 0 });
    expect(line).not.toHaveProperty('dryRun');
    expect(line).not.toHaveProperty('errorDetail');
    expect(line).not.toHaveProperty('eventPublished');
    expect(line).not.toHaveProperty('ledgerFailures');
    expect(line).not.toHaveProperty('needsAttention');
  });

  it('carries its metrics in EMF, dimensioned by service and outcome', () => {
    const line = written('refused');

    expect(line).toMatchObject({
      _aws: {
        Timestamp: Date.parse('2026-11-29T01:02:03.456Z'),
        CloudWatchMetrics: [
          {
            Namespace: 'TeoKeyRotator',
            Dimensions: [['service', 'Outcome']],
            Metrics: [{ Name: 'Rotations', Unit: 'Count' }],
          },
        ],
      },
      Outcome: 'refused',
      Rotations: 1,
    });
  });

  it('counts TEO’s latency, its retries and a failed event publication among its metrics', () => {
    const audit = startAudit(lambdaContext());
    audit.tally.teoAttempts = 2;
    audit.tally.teoLatenciesMs.push(120, 35);

    writeAudit(audit, { outcome: 'rotated', eventPublished: false, fields: {} });

    const line = output.lines()[0];
    expect(line?._aws).toMatchObject({
      CloudWatchMetrics: [
        {
          Metrics: [
            { Name: 'Rotations', Unit: 'Count' },
            { Name: 'TeoLatency', Unit: 'Milliseconds' },
            { Name: 'TeoRetries', Unit: 'Count' },
            { Name: 'EventPublishFailures', Unit: 'Count' },
          ],
        },
      ],
    });
    expect(line).toMatchObject({
      TeoLatency: [120, 35],
      TeoRetries: 1,
      EventPublishFailures: 1,
      eventPublished: false,
    });
    expect(line?._aws).toMatchObject({ CloudWatchMetrics: [expect.anything()] });
  });

  it('writes a sync that found drift at ERROR, counting SyncDrift by service alone, and no ledger failure', () => {
    const audit = startAudit(lambdaContext());

    writeAudit(audit, { outcome: 'synced', drift: 'found-by-schedule', fields: {} });

    const line = output.lines()[0];
    expect(line).toMatchObject({ level: 'ERROR', drift: 'found-by-schedule', SyncDrift: 1 });
    expect(line).not.toHaveProperty('LedgerFailures');
    expect(line?._aws).toMatchObject({
      CloudWatchMetrics: [
        { Dimensions: [['service', 'Outcome']] },
        {
          Namespace: 'TeoKeyRotator',
          Dimensions: [['service']],
          Metrics: [{ Name: 'SyncDrift', Unit: 'Count' }],
        },
      ],
    });
  });

  it('writes a line whose ledger write failed at ERROR, naming the write, and counts it by service alone', () => {
    const audit = startAudit(lambdaContext());
    audit.tally.ledgerFailures.push(
      { operation: 'releaseZone', error: new Error('DynamoDB is down') },
      { operation: 'finishRequest', error: 'not an Error' },
    );

    writeAudit(audit, { outcome: 'rotated', fields: {} });

    const line = output.lines()[0];
    expect(line).toMatchObject({
      level: 'ERROR',
      outcome: 'rotated',
      ledgerFailures: ['releaseZone: Error: DynamoDB is down', 'finishRequest: not an Error'],
      LedgerFailures: 2,
    });
    expect(line).not.toHaveProperty('SyncDrift');
    expect(line?._aws).toMatchObject({
      CloudWatchMetrics: [
        { Dimensions: [['service', 'Outcome']] },
        {
          Namespace: 'TeoKeyRotator',
          Dimensions: [['service']],
          Metrics: [{ Name: 'LedgerFailures', Unit: 'Count' }],
        },
      ],
    });
  });
});
