// Two requests in a known order without waiting on the clock: the second is made while the first is at TEO.
import type { TeoEmulator } from '../../emulator/teo-emulator.ts';

/**
 * Starts `first`, and once its request has reached TEO (held there), makes `meanwhile`; then lets TEO answer
 * `first`, whatever became of `meanwhile`. Both results, in that order.
 */
export async function whileAtTeo<A, B>(
  teo: TeoEmulator,
  first: () => Promise<A>,
  meanwhile: () => Promise<B>,
): Promise<[A, B]> {
  const atTeo = teo.holdNext();
  const started = first();
  await atTeo.arrived;
  let second: B;
  try {
    second = await meanwhile();
  } finally {
    atTeo.release();
  }
  return [await started, second];
}
