// Retrying an outbound call: how long to wait (full jitter over an exponential ceiling, so that callers that failed
// together do not retry together), and the clock, sleep and random draw that waiting uses, injected so that tests
// never wait.

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** A draw in [0, 1), for retry jitter. */
  random(): number;
}

export const systemClock: Clock = {
  now: Date.now,
  sleep: (ms) => new Promise((wake) => setTimeout(wake, ms)),
  random: Math.random,
};

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** The wait before retry number `retry` (1 for the first retry), given a draw in [0, 1): pure. */
export const backoffMs = ({ baseDelayMs, maxDelayMs }: RetryPolicy, retry: number, random: number): number =>
  Math.floor(random * Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1)));
