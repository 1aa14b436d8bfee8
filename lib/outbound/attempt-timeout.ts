// The deadline of one outbound attempt, as the signal sendRequest (and the Tencent SDK, which hands it on) takes.
// Not AbortSignal.timeout(): its timer cannot be cleared, so every attempt's signal, timer and request stay in
// memory until the timer fires, seconds after the answer; and it costs more per request (BENCHMARKS.md).

export interface AttemptTimeout {
  /** Aborts with a TimeoutError once `ms` have passed, unless cleared first. */
  readonly signal: AbortSignal;
  /** The attempt is over: its timer, and all it holds, go now. */
  clear(): void;
}

export function attemptTimeout(ms: number): AttemptTimeout {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    ms,
  );
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
