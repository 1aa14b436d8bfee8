// lib/domain/sync/read-within.ts: a manager's rate limit is waited out while the run has the time, on the run's
// clock (nothing waits in real time), and a read it cannot wait for stays throttled for its binding to be deferred.
import { describe, expect, it } from 'vitest';
import type { SecretLocation } from '#lib/domain/sync/binding.ts';
import { readWithin } from '#lib/domain/sync/read-within.ts';
import { type SourceRead, SourceThrottled, SourceUnavailable } from '#lib/domain/sync/secret-source.ts';

const source = (name: string): SecretLocation => ({
  kind: 'doppler',
  apiUrl: 'https://api.doppler.com',
  project: 'p',
  config: 'c',
  name,
});

/** A manager that throttles each secret for the ms given, from the start, and then gives its name as its value. */
/** A clock that moves only when something sleeps on it. */
function sleepingClock() {
  const clock = {
    at: 0,
    sleep: async (ms: number) => {
      clock.at += ms;
    },
  };
  return clock;
}

function throttling(throttledFor: Record<string, number>) {
  const clock = sleepingClock();
  const asked: string[][] = [];
  const readers = {
    readAll: async (sources: readonly SecretLocation[]): Promise<SourceRead[]> => {
      asked.push(sources.map((read) => (read as { name: string }).name));
      return sources.map((read) => {
        const { name } = read as { name: string };
        const left = (throttledFor[name] ?? 0) - clock.at;
        return left > 0 ? new SourceThrottled('Doppler answered HTTP 429', left) : { value: name };
      });
    },
  };
  return { clock, asked, readers };
}

describe('readWithin', () => {
  it('reads once when nothing is throttled', async () => {
    const { readers, asked, clock } = throttling({});

    const reads = await readWithin(readers, [source('A'), source('B')], {
      sleep: clock.sleep,
      remainingMs: () => 60_000 - clock.at,
      reserveMs: 10_000,
    });

    expect(reads).toEqual([{ value: 'A' }, { value: 'B' }]);
    expect(asked).toEqual([['A', 'B']]);
  });

  it('waits the longest Retry-After among the reads it waits for, then asks again for those only', async () => {
    const { readers, asked, clock } = throttling({ A: 1000, C: 30_000 });

    const reads = await readWithin(readers, [source('A'), source('B'), source('C')], {
      sleep: clock.sleep,
      remainingMs: () => 60_000 - clock.at,
      reserveMs: 10_000,
    });

    expect(reads).toEqual([{ value: 'A' }, { value: 'B' }, { value: 'C' }]);
    expect(asked).toEqual([
      ['A', 'B', 'C'],
      ['A', 'C'],
    ]);
    expect(clock.at).toBe(30_000);
  });

  it('waits when exactly the reserve would be left, not when less would', async () => {
    const at = (ms: number) => throttling({ A: ms });
    const exactly = at(20_000);
    const over = at(20_001);
    const window = (clock: { at: number; sleep: (ms: number) => Promise<void> }) => ({
      sleep: clock.sleep,
      remainingMs: () => 30_000 - clock.at,
      reserveMs: 10_000,
    });

    const [waited] = await readWithin(exactly.readers, [source('A')], window(exactly.clock));
    const [left] = await readWithin(over.readers, [source('A')], window(over.clock));

    expect(waited).toEqual({ value: 'A' });
    expect(left).toBeInstanceOf(SourceThrottled);
    expect(over.clock.at).toBe(0);
  });

  it('waits at least 100 ms for a Retry-After of 0, and never waits on a failure that is not a rate limit', async () => {
    const clock = sleepingClock();
    const answers: SourceRead[][] = [
      [
        new SourceThrottled('Doppler answered HTTP 429', 0),
        new SourceUnavailable('Doppler answered HTTP 503'),
      ],
      [{ value: 'A' }],
    ];
    const readers = { readAll: async () => answers.shift() ?? [] };

    const reads = await readWithin(readers, [source('A'), source('B')], {
      sleep: clock.sleep,
      remainingMs: () => 60_000,
      reserveMs: 0,
    });

    expect(reads).toEqual([{ value: 'A' }, new SourceUnavailable('Doppler answered HTTP 503')]);
    expect(clock.at).toBe(100);
  });
});
