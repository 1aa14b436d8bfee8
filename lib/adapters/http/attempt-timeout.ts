// The deadline of one outbound attempt, as the signal sendRequest (and the Tencent SDK, which hands it on) takes.
// Not AbortSignal.timeout(): its timer cannot be cleared, so every attempt's signal, timer and request stay in
// memory until the timer fires, seconds after the answer; and it costs more per request (BENCHMARKS.md).

/**
 * Runs `attempt` with a signal that aborts with a TimeoutError once `ms` have passed; its timer, and all it holds,
 * go as soon as the attempt settles, answered or failed.
 */
export async function withAttemptTimeout<T>(
  ms: number,
  attempt: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    ms,
  );
  try {
    return await attempt(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}
