// lib/domain/paced-teo.ts: sync paces its TEO calls below TEO's 20 a second per action, on an injected clock, each
// call waiting for its pace (RotationRun.pace) before its latency is measured.
import { describe, expect, it } from 'vitest';
import { pacer, type TeoPaces, teoPaces } from '#lib/domain/paced-teo.ts';
import type { RotationRun } from '#lib/domain/rotation/run.ts';
import { timed } from '#lib/domain/rotation/send-key.ts';
import type { KeyWrite, TeoGateway } from '#lib/domain/teo-gateway.ts';
import { KEY, ZONE } from './support/fake-config.ts';

/**
 * A clock that only moves when something sleeps on it: sleepers wake in order of their wake time, each after what
 * woke before it has run (setImmediate comes after the promise jobs), the clock then at that time.
 */
function fakeClock() {
  const sleepers: { wake: number; resolve: () => void }[] = [];
  const clock = {
    at: 0,
    now: () => clock.at,
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        sleepers.push({ wake: clock.at + ms, resolve });
        if (sleepers.length === 1) setImmediate(wakeNext);
      }),
  };
  const wakeNext = () => {
    sleepers.sort((a, b) => a.wake - b.wake);
    const next = sleepers.shift();
    if (next === undefined) return;
    clock.at = Math.max(clock.at, next.wake);
    next.resolve();
    if (sleepers.length > 0) setImmediate(wakeNext);
  };
  return clock;
}

/** A gateway that notes when (on the fake clock) each call reached it. */
function notingGateway(clock: { now(): number }) {
  const calls: [string, number][] = [];
  const teo: TeoGateway = {
    async writeSecretKey(write) {
      calls.push([write, clock.now()]);
      return 'req';
    },
    async describeSecretKey() {
      calls.push(['Describe', clock.now()]);
      return { secretKey: KEY, requestId: 'req' };
    },
  };
  return { teo, calls };
}

/** Calls through a run at these paces, as sync's runs make them; each call's measured latency is kept. */
function pacedCalls(clock: ReturnType<typeof fakeClock>, teo: TeoGateway, paces: TeoPaces) {
  const latencies: number[] = [];
  const run: RotationRun = {
    firstSeen: 0,
    by: 'sync:doppler',
    fingerprint: () => 'fingerprint',
    deadline: Number.POSITIVE_INFINITY,
    leaseUntil: Number.POSITIVE_INFINITY,
    owner: 'test',
    clock: { ...clock, random: () => 0.5 },
    pace: (action) => paces[action](),
    onTeoCall: () => (latencyMs) => void latencies.push(latencyMs),
    onLedgerFailure: () => undefined,
  };
  return {
    latencies,
    describe: () => timed(run, 'Describe', (deadline) => teo.describeSecretKey(ZONE, deadline)),
    write: (write: KeyWrite) =>
      timed(run, write, (deadline) => teo.writeSecretKey(write, { zoneId: ZONE, secretKey: KEY }, deadline)),
  };
}

describe('the pace of sync’s TEO calls', () => {
  it('spaces one action’s calls 1/rate apart, however many are in flight at once', async () => {
    const clock = fakeClock();
    const { teo, calls } = notingGateway(clock);
    const paced = pacedCalls(clock, teo, teoPaces(8, clock));

    await Promise.all(Array.from({ length: 4 }, () => paced.describe()));

    expect(calls).toEqual([
      ['Describe', 0],
      ['Describe', 125],
      ['Describe', 250],
      ['Describe', 375],
    ]);
    // TEO answered each at once: the wait for the pace is no part of its latency (the TeoLatency metric).
    expect(paced.latencies).toEqual([0, 0, 0, 0]);
  });

  it('paces each action on its own: a Modify does not wait for the Describes', async () => {
    const clock = fakeClock();
    const { teo, calls } = notingGateway(clock);
    const paced = pacedCalls(clock, teo, teoPaces(10, clock));

    await paced.describe();
    await paced.describe();
    await paced.write('Modify');
    await paced.write('Create');

    expect(calls).toEqual([
      ['Describe', 0],
      ['Describe', 100],
      ['Modify', 100],
      ['Create', 100],
    ]);
  });

  it('does not wait for a call when the last was longer ago than the spacing', async () => {
    const clock = fakeClock();
    const pace = pacer(20, clock);
    await pace();
    clock.at += 500;

    await pace();

    expect(clock.at).toBe(500);
  });
});
