// The retry loop, settlement and deadline arithmetic of docs/contract.md §5 (lib/domain/rotation/send-key.ts and
// lib/handlers/invocation.ts), on a fake clock that moves only when a call or a wait says so: no test here waits.
import { describe, expect, it, vi } from 'vitest';
import type { ZoneChange } from '#lib/domain/ledger/rotation-ledger.ts';
import { backoffMs, type Clock, type RetryPolicy, systemClock } from '#lib/domain/retry.ts';
import type { RotationRun } from '#lib/domain/rotation/run.ts';
import { DEFAULT_RETRY, MIN_ATTEMPT_MS, type SendOptions, sendKey } from '#lib/domain/rotation/send-key.ts';
import { CredentialsUnavailable, TeoRefused, TeoUnreachable } from '#lib/domain/teo-errors.ts';
import type { TeoGateway } from '#lib/domain/teo-gateway.ts';
import { ANSWER_MARGIN_MS, runOf } from '#lib/handlers/invocation.ts';
import { lambdaContext } from './support/events.ts';
import { fingerprint, KEY, OLD_KEY, ZONE } from './support/fake-config.ts';

const T0 = Date.parse('2026-11-28T12:00:00Z');

/** A clock at T0 that moves only by what the calls take and the waits the code asks for. */
function fakeClock(random = 0.5) {
  const slept: number[] = [];
  let now = T0;
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    random: () => random,
  };
  const pass = (ms: number) => {
    now += ms;
  };
  return { clock, slept, pass };
}

/** A write answers its RequestId; a Describe the zone's key, or NO_KEY for a zone without one. */
type Step = { takesMs: number } & ({ fails: Error } | { answers: string | typeof NO_KEY });
const NO_KEY = null;

/** TEO as a script: each call takes its time on the fake clock, then answers or fails. Writes share one script. */
function scriptedTeo(pass: (ms: number) => void, writes: Step[], describe: Step[] = []) {
  const calls: string[] = [];
  const play = async (action: string, steps: Step[]) => {
    calls.push(action);
    const step = steps.shift();
    if (!step) throw new Error(`unscripted ${action}`);
    pass(step.takesMs);
    if ('fails' in step) throw step.fails;
    return step.answers;
  };
  const teo: TeoGateway = {
    writeSecretKey: async (write) => String(await play(write, writes)),
    describeSecretKey: async () => ({
      secretKey: (await play('Describe', describe)) ?? undefined,
      requestId: 'req-describe',
    }),
  };
  return { teo, calls };
}

const timeout = () => new TeoUnreachable('timeout', 'TEO did not answer in time', 'unknown');
const runFor = (clock: Clock, deadline: number): RotationRun => ({
  firstSeen: T0,
  by: 'ops',
  fingerprint,
  deadline,
  leaseUntil: deadline + ANSWER_MARGIN_MS,
  owner: 'invocation-1',
  clock,
  onTeoCall: () => () => undefined,
  onLedgerFailure: () => undefined,
});
const send = (
  teo: TeoGateway,
  run: RotationRun,
  retry: RetryPolicy = DEFAULT_RETRY,
  options: SendOptions = {},
) => {
  const left: ZoneChange[] = [];
  const outcome = sendKey({ zoneId: ZONE, secretKey: KEY }, teo, retry, run, options).then((sent) => {
    if (sent.change) left.push(sent.change);
    if (!sent.ok) throw sent.error;
    return sent.outcome;
  });
  return { outcome, left };
};

describe('backoffMs', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 1000 };

  it('draws a share of a ceiling that doubles from the base with each retry, up to the cap', () => {
    expect([1, 2, 3, 4].map((retry) => backoffMs(policy, retry, 0.999))).toEqual([199, 399, 799, 999]);
    expect(backoffMs(policy, 2, 0.5)).toBe(200);
    expect(backoffMs(policy, 9, 0)).toBe(0);
  });
});

describe('systemClock', () => {
  it('sleeps on the timers for as long as asked, and no longer', async () => {
    vi.useFakeTimers();
    try {
      let woke = false;
      const sleeping = systemClock.sleep(50).then(() => {
        woke = true;
      });
      await vi.advanceTimersByTimeAsync(49);
      expect(woke).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await sleeping;
      expect(woke).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('sendKey on a fake clock', () => {
  it('retries after the drawn wait and succeeds, the zone keeping the applied rotation', async () => {
    const { clock, slept, pass } = fakeClock(0.5);
    const { teo, calls } = scriptedTeo(pass, [
      { takesMs: 50, fails: new TeoRefused('ModifyMultiPathGatewaySecretKey', 'InternalError', 'req-1') },
      { takesMs: 50, answers: 'req-2' },
    ]);

    const { outcome, left } = send(teo, runFor(clock, T0 + 10_000));

    await expect(outcome).resolves.toEqual({ requestId: 'req-2' });
    expect(calls).toEqual(['Modify', 'Modify']);
    expect(slept).toEqual([backoffMs(DEFAULT_RETRY, 1, 0.5)]);
    expect(left).toEqual([
      {
        fence: T0,
        applied: expect.objectContaining({ requestId: 'req-2', at: T0 + 50 + 100 + 50, firstSeen: T0 }),
      },
    ]);
  });

  it('starts another attempt only if the wait and 250 ms still fit before the deadline, to the millisecond', async () => {
    // After a failed Modify of 600 ms, the wait is 100 ms: the next attempt needs the deadline at T0 + 950.
    const attemptsBy = async (deadline: number) => {
      const { clock, pass } = fakeClock(0.5);
      const { teo, calls } = scriptedTeo(pass, [
        { takesMs: 600, fails: new TeoRefused('ModifyMultiPathGatewaySecretKey', 'InternalError', 'req-1') },
        { takesMs: 10, answers: 'req-2' },
      ]);
      await send(teo, runFor(clock, deadline)).outcome.catch(() => undefined);
      return calls.length;
    };

    expect(600 + backoffMs(DEFAULT_RETRY, 1, 0.5) + MIN_ATTEMPT_MS).toBe(950);
    expect(await attemptsBy(T0 + 950)).toBe(2);
    expect(await attemptsBy(T0 + 949)).toBe(1);
  });

  it('makes its first attempt however little time is left: the gateway bounds the attempt by the deadline', async () => {
    const { clock, pass } = fakeClock();
    const { teo, calls } = scriptedTeo(pass, [{ takesMs: 10, answers: 'req-1' }]);

    await expect(send(teo, runFor(clock, T0 + 100)).outcome).resolves.toEqual({ requestId: 'req-1' });
    expect(calls).toEqual(['Modify']);
  });

  it('reads the key back after a timeout only while 250 ms are left; then the outcome is unknown', async () => {
    const settleBy = async (deadline: number) => {
      const { clock, pass } = fakeClock(0.5);
      const { teo, calls } = scriptedTeo(
        pass,
        [{ takesMs: 700, fails: timeout() }],
        [{ takesMs: 100, answers: OLD_KEY }],
      );
      const { outcome, left } = send(teo, runFor(clock, deadline), { ...DEFAULT_RETRY, maxAttempts: 1 });
      const error = await outcome.catch((failure: unknown) => failure);
      return { calls, error, left };
    };

    const inTime = await settleBy(T0 + 950);
    const late = await settleBy(T0 + 949);

    expect(inTime.calls).toEqual(['Modify', 'Describe']);
    expect(inTime.error).toMatchObject({ reason: 'timeout', keyState: 'unchanged' });
    expect(inTime.left).toEqual([]);
    expect(late.calls).toEqual(['Modify']);
    expect(late.error).toMatchObject({ reason: 'timeout', keyState: 'unknown' });
    // The key may be live: every request first seen before this one is fenced off.
    expect(late.left).toEqual([{ fence: T0 }]);
  });

  it('stops in time to answer: after a slow timeout and a slow read-back, no attempt starts that could not finish', async () => {
    const { clock, slept, pass } = fakeClock(0.5);
    const { teo, calls } = scriptedTeo(
      pass,
      [{ takesMs: 600, fails: timeout() }],
      [{ takesMs: 300, fails: timeout() }],
    );

    const error = await send(teo, runFor(clock, T0 + 1000)).outcome.catch((failure: unknown) => failure);

    expect(calls).toEqual(['Modify', 'Describe']);
    expect(slept).toEqual([]);
    expect(clock.now()).toBeLessThanOrEqual(T0 + 1000);
    expect(error).toMatchObject({ reason: 'timeout', keyState: 'unknown' });
    expect((error as Error).cause).toBeInstanceOf(TeoUnreachable);
  });

  it('settles a lost answer by reading the requested key back, sending it once', async () => {
    const { clock, pass } = fakeClock();
    const { teo, calls } = scriptedTeo(
      pass,
      [{ takesMs: 700, fails: timeout() }],
      [{ takesMs: 20, answers: KEY }],
    );

    await expect(send(teo, runFor(clock, T0 + 10_000)).outcome).resolves.toEqual({
      requestId: 'req-describe',
      settledBy: 'DescribeMultiPathGatewaySecretKey',
    });
    expect(calls).toEqual(['Modify', 'Describe']);
  });
});

describe('sendKey, by what TEO answered', () => {
  const refused = (code: string) => new TeoRefused('ModifyMultiPathGatewaySecretKey', code, 'req-refused');

  it.each([
    ['InternalError', ['Modify', 'Modify'], [{ fence: T0 }]],
    ['InternalError.DbFailure', ['Modify', 'Modify'], [{ fence: T0 }]],
    ['RequestLimitExceeded', ['Modify', 'Modify'], []],
    ['RequestLimitExceeded.UinLimitExceeded', ['Modify', 'Modify'], []],
    // Refused for good: Describe decides whether the other call could succeed (it could not tell here).
    ['FailedOperation.InternalError', ['Modify', 'Describe'], []],
    ['LimitExceeded.RequestLimitExceeded', ['Modify', 'Describe'], []],
    ['InvalidParameter', ['Modify', 'Describe'], []],
    // The function's own credentials: no other call can mend them.
    ['AuthFailure.SignatureFailure', ['Modify'], []],
    ['UnauthorizedOperation', ['Modify'], []],
  ])(
    'after %s: retries only what TEO may take on a second try, fencing the zone only when it may have applied',
    async (code, calls, left) => {
      const { clock, pass } = fakeClock();
      const teo = scriptedTeo(pass, [
        { takesMs: 10, fails: refused(code) },
        { takesMs: 10, fails: refused(code) },
      ]);

      const { outcome, left: fences } = send(teo.teo, runFor(clock, T0 + 10_000), {
        ...DEFAULT_RETRY,
        maxAttempts: 2,
      });

      await expect(outcome).rejects.toMatchObject({ name: 'TeoRefused', code });
      expect(teo.calls).toEqual(calls);
      expect(fences).toEqual(left);
    },
  );

  it.each([
    ['timed out', timeout()],
    ['failed internally', new TeoRefused('ModifyMultiPathGatewaySecretKey', 'InternalError', 'req-i')],
    [
      'failed internally, by a sub-code',
      new TeoRefused('ModifyMultiPathGatewaySecretKey', 'InternalError.DbError', 'req-i'),
    ],
  ])(
    'says the key state is unknown, and fences the zone, when a refusal follows an attempt that %s and no Describe settled',
    async (_, lost) => {
      const { clock, pass } = fakeClock();
      const { teo, calls } = scriptedTeo(
        pass,
        [
          { takesMs: 10, fails: lost },
          { takesMs: 10, fails: refused('OperationDenied') },
        ],
        [
          { takesMs: 10, fails: timeout() },
          { takesMs: 10, fails: timeout() },
        ],
      );

      const { outcome, left } = send(teo, runFor(clock, T0 + 10_000), { ...DEFAULT_RETRY, maxAttempts: 2 });

      const error = (await outcome.catch((failure: unknown) => failure)) as Error;
      expect(error).toMatchObject({
        name: 'TeoUnreachable',
        reason: 'unsettled',
        keyState: 'unknown',
        message: 'TEO refused a later attempt, after one whose outcome could not be settled',
      });
      // The refusal that ended it stays visible to whoever reads the cause.
      expect(error.cause).toMatchObject({ name: 'TeoRefused', code: 'OperationDenied' });
      expect(calls.filter((call) => call !== 'Describe')).toEqual(['Modify', 'Modify']);
      expect(left).toEqual([{ fence: T0 }]);
    },
  );

  it('keeps a refusal as proof that nothing changed once a Describe after the lost attempt showed the old key', async () => {
    const { clock, pass } = fakeClock();
    const { teo } = scriptedTeo(
      pass,
      [
        { takesMs: 10, fails: timeout() },
        { takesMs: 10, fails: refused('OperationDenied') },
      ],
      [
        { takesMs: 10, answers: OLD_KEY },
        { takesMs: 10, fails: timeout() },
      ],
    );

    const { outcome, left } = send(teo, runFor(clock, T0 + 10_000), { ...DEFAULT_RETRY, maxAttempts: 2 });

    await expect(outcome).rejects.toMatchObject({ name: 'TeoRefused', code: 'OperationDenied' });
    expect(left).toEqual([]);
  });

  it('fences the zone after a failure whose outcome is unknown, and not after reading the old key back', async () => {
    const unknown = fakeClock();
    const lost = scriptedTeo(
      unknown.pass,
      [{ takesMs: 10, fails: timeout() }],
      [{ takesMs: 10, fails: timeout() }],
    );
    const first = send(lost.teo, runFor(unknown.clock, T0 + 10_000), { ...DEFAULT_RETRY, maxAttempts: 1 });
    await expect(first.outcome).rejects.toMatchObject({ keyState: 'unknown' });
    expect(first.left).toEqual([{ fence: T0 }]);

    const unchanged = fakeClock();
    const refusedBack = scriptedTeo(
      unchanged.pass,
      [{ takesMs: 10, fails: timeout() }],
      [{ takesMs: 10, answers: OLD_KEY }],
    );
    const second = send(refusedBack.teo, runFor(unchanged.clock, T0 + 10_000), {
      ...DEFAULT_RETRY,
      maxAttempts: 1,
    });
    await expect(second.outcome).rejects.toMatchObject({ keyState: 'unchanged' });
    expect(second.left).toEqual([]);
  });

  it('compares keys of different lengths as different, without failing', async () => {
    const { clock, pass } = fakeClock();
    const longer = Buffer.alloc(48, 1).toString('base64');
    const teo = scriptedTeo(pass, [{ takesMs: 10, fails: timeout() }], [{ takesMs: 10, answers: longer }]);

    const { outcome } = send(teo.teo, runFor(clock, T0 + 10_000), { ...DEFAULT_RETRY, maxAttempts: 1 });

    await expect(outcome).rejects.toMatchObject({ name: 'TeoUnreachable', keyState: 'unchanged' });
  });

  it('reports how long each TEO call took, on the run’s clock, whatever its outcome', async () => {
    const { clock, pass } = fakeClock();
    const teo = scriptedTeo(
      pass,
      [
        { takesMs: 700, fails: timeout() },
        { takesMs: 35, answers: 'req-2' },
      ],
      [{ takesMs: 20, answers: OLD_KEY }],
    );
    const calls: [string, number][] = [];
    const run = {
      ...runFor(clock, T0 + 10_000),
      onTeoCall: (action: string) => (ms: number) => void calls.push([action, ms]),
    };

    await send(teo.teo, run).outcome;

    expect(calls).toEqual([
      ['Modify', 700],
      ['Describe', 20],
      ['Modify', 35],
    ]);
  });
});

describe("sendKey on a zone's first key: Describe decides between Modify and Create", () => {
  const refusedTo = (action: 'Modify' | 'Create', code: string) =>
    new TeoRefused(`${action}MultiPathGatewaySecretKey`, code, `req-${action}-refused`);
  const OTHER_KEY = Buffer.alloc(32, 7).toString('base64');

  it('creates the first key of a zone whose Modify is refused and that shows no key, at once', async () => {
    const { clock, slept, pass } = fakeClock();
    const { teo, calls } = scriptedTeo(
      pass,
      [
        { takesMs: 10, fails: refusedTo('Modify', 'ResourceNotFound') },
        { takesMs: 10, answers: 'req-create' },
      ],
      [{ takesMs: 10, answers: NO_KEY }],
    );

    const { outcome, left } = send(teo, runFor(clock, T0 + 10_000));

    await expect(outcome).resolves.toEqual({ requestId: 'req-create', firstKey: true });
    expect(calls).toEqual(['Modify', 'Describe', 'Create']);
    expect(slept).toEqual([]);
    expect(left).toEqual([{ fence: T0, applied: expect.objectContaining({ requestId: 'req-create' }) }]);
  });

  it('sends Create first when a Describe just made showed no key', async () => {
    const { clock, pass } = fakeClock();
    const { teo, calls } = scriptedTeo(pass, [{ takesMs: 10, answers: 'req-create' }]);

    await expect(
      send(teo, runFor(clock, T0 + 10_000), DEFAULT_RETRY, { hasKey: false }).outcome,
    ).resolves.toEqual({ requestId: 'req-create', firstKey: true });
    expect(calls).toEqual(['Create']);
  });

  it('never creates a key on a zone that shows one: a refused Modify stays refused', async () => {
    const { clock, pass } = fakeClock();
    const { teo, calls } = scriptedTeo(
      pass,
      [{ takesMs: 10, fails: refusedTo('Modify', 'ResourceNotFound') }],
      [{ takesMs: 10, answers: OTHER_KEY }],
    );

    const { outcome, left } = send(teo, runFor(clock, T0 + 10_000));

    await expect(outcome).rejects.toMatchObject({
      action: 'ModifyMultiPathGatewaySecretKey',
      code: 'ResourceNotFound',
    });
    expect(calls).toEqual(['Modify', 'Describe']);
    expect(left).toEqual([]);
  });

  it('modifies instead when a Create is refused because a key appeared meanwhile', async () => {
    const { clock, pass } = fakeClock();
    const { teo, calls } = scriptedTeo(
      pass,
      [
        { takesMs: 10, fails: refusedTo('Create', 'OperationDenied') },
        { takesMs: 10, answers: 'req-modify' },
      ],
      [{ takesMs: 10, answers: OTHER_KEY }],
    );

    await expect(
      send(teo, runFor(clock, T0 + 10_000), DEFAULT_RETRY, { hasKey: false }).outcome,
    ).resolves.toEqual({ requestId: 'req-modify' });
    expect(calls).toEqual(['Create', 'Describe', 'Modify']);
  });

  it('gives up with the Create refusal when the zone still shows no key: no second Create, no Modify', async () => {
    const { clock, pass } = fakeClock();
    const { teo, calls } = scriptedTeo(
      pass,
      [{ takesMs: 10, fails: refusedTo('Create', 'ResourceNotFound') }],
      [{ takesMs: 10, answers: NO_KEY }],
    );

    const { outcome } = send(teo, runFor(clock, T0 + 10_000), DEFAULT_RETRY, { hasKey: false });

    await expect(outcome).rejects.toMatchObject({
      action: 'CreateMultiPathGatewaySecretKey',
      code: 'ResourceNotFound',
    });
    expect(calls).toEqual(['Create', 'Describe']);
  });

  it('settles a Create whose answer was lost by reading the key back: the first key, once', async () => {
    const { clock, pass } = fakeClock();
    const { teo, calls } = scriptedTeo(
      pass,
      [{ takesMs: 700, fails: timeout() }],
      [{ takesMs: 20, answers: KEY }],
    );

    await expect(
      send(teo, runFor(clock, T0 + 10_000), DEFAULT_RETRY, { hasKey: false }).outcome,
    ).resolves.toEqual({
      requestId: 'req-describe',
      settledBy: 'DescribeMultiPathGatewaySecretKey',
      firstKey: true,
    });
    expect(calls).toEqual(['Create', 'Describe']);
  });

  it('takes a refusal as done when Describe shows the requested key live (a lost Create that took effect)', async () => {
    const { clock, pass } = fakeClock();
    const { teo, calls } = scriptedTeo(
      pass,
      [
        { takesMs: 10, fails: timeout() },
        { takesMs: 10, fails: refusedTo('Create', 'OperationDenied') },
      ],
      [
        { takesMs: 10, fails: timeout() },
        { takesMs: 10, answers: KEY },
      ],
    );

    const { outcome, left } = send(teo, runFor(clock, T0 + 10_000), DEFAULT_RETRY, { hasKey: false });

    await expect(outcome).resolves.toEqual({
      requestId: 'req-describe',
      settledBy: 'DescribeMultiPathGatewaySecretKey',
      firstKey: true,
    });
    expect(calls).toEqual(['Create', 'Describe', 'Create', 'Describe']);
    expect(left).toEqual([{ fence: T0, applied: expect.objectContaining({ requestId: 'req-describe' }) }]);
  });

  it('after a lost answer, sends the call that Describe shows the zone needs', async () => {
    const { clock, slept, pass } = fakeClock(0.5);
    const { teo, calls } = scriptedTeo(
      pass,
      [
        { takesMs: 10, fails: timeout() },
        { takesMs: 10, answers: 'req-create' },
      ],
      [{ takesMs: 10, answers: NO_KEY }],
    );

    await expect(send(teo, runFor(clock, T0 + 10_000)).outcome).resolves.toEqual({
      requestId: 'req-create',
      firstKey: true,
    });
    expect(calls).toEqual(['Modify', 'Describe', 'Create']);
    // A retry after a failure waits its backoff, whichever call it sends.
    expect(slept).toEqual([backoffMs(DEFAULT_RETRY, 1, 0.5)]);
  });

  it('sends the other call only if 250 ms still fit before the deadline, to the millisecond', async () => {
    const callsBy = async (deadline: number) => {
      const { clock, pass } = fakeClock();
      const { teo, calls } = scriptedTeo(
        pass,
        [
          { takesMs: 100, fails: refusedTo('Modify', 'ResourceNotFound') },
          { takesMs: 10, answers: 'req-create' },
        ],
        [{ takesMs: 100, answers: NO_KEY }],
      );
      const error = await send(teo, runFor(clock, deadline)).outcome.then(
        () => undefined,
        (failure: unknown) => failure,
      );
      return { calls, error };
    };

    expect((await callsBy(T0 + 450)).calls).toEqual(['Modify', 'Describe', 'Create']);
    const late = await callsBy(T0 + 449);
    expect(late.calls).toEqual(['Modify', 'Describe']);
    expect(late.error).toMatchObject({ action: 'ModifyMultiPathGatewaySecretKey', code: 'ResourceNotFound' });
  });
});

describe('runOf', () => {
  it("takes the deadline and lease from the Lambda's remaining time, and counts Modify and Create as attempts as they start", () => {
    const { clock } = fakeClock();
    const tally = { teoAttempts: 0, teoLatenciesMs: [] as number[], ledgerFailures: [] };

    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 20_000 };

    const run = runOf(context, tally, { firstSeen: T0 - 5, by: 'ops', fingerprint }, clock);
    const modifyTook = run.onTeoCall('Modify');
    // Sent, not yet answered: the key may already be on its way.
    expect(tally.teoAttempts).toBe(1);
    modifyTook(12.4);
    run.onTeoCall('Describe')(7.6);
    run.onTeoCall('Create')(3.2);
    const failure = new Error('DynamoDB is down');
    run.onLedgerFailure('releaseZone', failure);

    expect(run).toMatchObject({
      firstSeen: T0 - 5,
      by: 'ops',
      deadline: T0 + 20_000 - ANSWER_MARGIN_MS,
      leaseUntil: T0 + 20_000,
      owner: 'c0ffee00-0000-4000-8000-000000000001',
    });
    expect(tally).toEqual({
      teoAttempts: 2,
      teoLatenciesMs: [12, 8, 3],
      ledgerFailures: [{ operation: 'releaseZone', error: failure }],
    });
  });
});

describe('sendKey when its credentials cannot be had (keyless)', () => {
  it('says nothing was sent when the first attempt had none, and changes nothing in the ledger', async () => {
    const { clock, pass } = fakeClock();
    const { teo } = scriptedTeo(pass, [
      { takesMs: 10, fails: new CredentialsUnavailable('AWS STS gave no token') },
    ]);

    const { outcome, left } = send(teo, runFor(clock, T0 + 20_000));

    await expect(outcome).rejects.toBeInstanceOf(CredentialsUnavailable);
    expect(left).toEqual([]);
  });

  it('says the key is unknown when a later attempt had none, after one whose outcome no Describe could settle', async () => {
    const { clock, pass } = fakeClock();
    const { teo, calls } = scriptedTeo(
      pass,
      [
        { takesMs: 10, fails: timeout() },
        { takesMs: 10, fails: new CredentialsUnavailable('Tencent STS could not be reached (Error)') },
      ],
      [{ takesMs: 10, fails: timeout() }],
    );

    const { outcome, left } = send(teo, runFor(clock, T0 + 20_000));

    await expect(outcome).rejects.toMatchObject({
      name: 'TeoUnreachable',
      reason: 'unsettled',
      keyState: 'unknown',
      message: 'The credentials for a later attempt could not be had',
      cause: expect.objectContaining({ name: 'CredentialsUnavailable' }),
    });
    expect(calls).toEqual(['Modify', 'Describe', 'Modify']);
    expect(left).toEqual([{ fence: T0 }]);
  });
});
