// An outbound attempt's deadline: it aborts with a TimeoutError when its time is up, and not at all once cleared,
// so an answered request's timer and signal do not outlive it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { attemptTimeout } from '#lib/outbound/attempt-timeout.ts';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('attemptTimeout', () => {
  it('aborts its signal with a TimeoutError when the time is up, not before', () => {
    const { signal } = attemptTimeout(250);

    vi.advanceTimersByTime(249);
    expect(signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);

    expect(signal.aborted).toBe(true);
    expect(signal.reason).toMatchObject({
      name: 'TimeoutError',
      message: 'The operation was aborted due to timeout',
    });
  });

  it('never aborts once cleared, and leaves no timer behind', () => {
    const attempt = attemptTimeout(250);

    attempt.clear();

    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(attempt.signal.aborted).toBe(false);
  });
});
