// docs/contract.md §8: the managers' rate limits are waited out, never failed for. A throttled read is asked again
// after the manager's Retry-After when, that long from now, the run still has `reserveMs` left; otherwise it stays
// throttled and its binding is deferred to the next run (or, for a notification, answered so that it is sent again).
import type { Clock } from '#lib/domain/retry.ts';
import type { SecretLocation } from '#lib/domain/sync/binding.ts';
import { type SecretReaders, type SourceRead, SourceThrottled } from '#lib/domain/sync/secret-source.ts';

/** A Retry-After of 0 is waited as this much, so that a manager answering 429 at once cannot spin the run. */
const LEAST_WAIT_MS = 100;

export interface ReadWindow {
  readonly sleep: Clock['sleep'];
  readonly remainingMs: () => number;
  /** What must be left after a wait: the work the reads are for. */
  readonly reserveMs: number;
}

const waitOf = (read: SourceThrottled) => Math.max(read.retryAfterMs, LEAST_WAIT_MS);

export async function readWithin(
  readers: SecretReaders,
  sources: readonly SecretLocation[],
  { sleep, remainingMs, reserveMs }: ReadWindow,
): Promise<SourceRead[]> {
  const reads = await readers.readAll(sources);
  for (;;) {
    // The throttled reads whose wait leaves the run its reserve; the others stay throttled.
    const waits = reads.flatMap((read, at) =>
      read instanceof SourceThrottled && remainingMs() - waitOf(read) >= reserveMs
        ? [{ at, ms: waitOf(read) }]
        : [],
    );
    if (waits.length === 0) return reads;
    await sleep(Math.max(...waits.map(({ ms }) => ms)));
    const again = await readers.readAll(waits.map(({ at }) => sources[at] as SecretLocation));
    waits.forEach(({ at }, index) => {
      reads[at] = again[index] as SourceRead;
    });
  }
}
