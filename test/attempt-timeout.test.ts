// An outbound attempt's deadline: it aborts with a TimeoutError when its time is up, and not at all once the attempt
// has settled, so an answered or failed request's timer and signal do not outlive it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withAttemptTimeout } from '#lib/adapters/http/attempt-timeout.ts';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** An attempt that settles when the test says, with the signal it was given. */
function heldAttempt() {
  const held: { signal?: AbortSignal; settle: (outcome: 'answer' | Error) => void } = {
    settle: () => undefined,
  };
  const attempt = (signal: AbortSignal) =>
    new Promise<string>((resolve, reject) => {
      held.signal = signal;
      held.settle = (outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome));
    });
  return { held, attempt };
}

describe('withAttemptTimeout', () => {
  it('aborts the signal with a TimeoutError when the time is up, not before', () => {
    const { held, attempt } = heldAttempt();
    void withAttemptTimeout(250, attempt);

    vi.advanceTimersByTime(249);
    expect(held.signal?.aborted).toBe(false);
    vi.advanceTimersByTime(1);

    expect(held.signal?.aborted).toBe(true);
    expect(held.signal?.reason).toMatchObject({
      name: 'TimeoutError',
      message: 'The operation was aborted due to timeout',
    });
  });

  it.each([
    ['answered', 'answer' as const],
    ['failed', new Error('refused')],
  ])('never aborts once the attempt has %s, and leaves no timer behind', async (_, outcome) => {
    const { held, attempt } = heldAttempt();
    const settled = withAttemptTimeout(250, attempt);

    held.settle(outcome);
    await settled.catch(() => undefined);

    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(held.signal?.aborted).toBe(false);
  });

  it("gives back the attempt's answer, or its failure, as it is", async () => {
    const answered = heldAttempt();
    const failed = heldAttempt();
    const refused = new Error('refused');

    const answer = withAttemptTimeout(250, answered.attempt);
    const failure = withAttemptTimeout(250, failed.attempt);
    answered.held.settle('answer');
    failed.held.settle(refused);

    await expect(answer).resolves.toBe('answer');
    await expect(failure).rejects.toBe(refused);
  });
});
