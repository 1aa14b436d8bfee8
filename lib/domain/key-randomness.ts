// docs/contract.md §2: a key that is evidently not random is refused, saying why. A gateway key is a shared secret
// that signs requests: one a person chose (a word repeated, a few letters, a count) falls to a few guesses, and
// its fingerprint (on every audit line, event and zone status) lets anyone test guesses offline. These rules can
// only catch the evident: each one a random key of 32 bytes, or of 32 random hex characters (TEO's own docs speak
// of 32 to 48 characters before encoding), meets with a probability below one in a billion.

/** Fewer distinct bytes than this: 32 random hex characters have about 15. */
const MIN_DISTINCT_BYTES = 8;
/** A run of this many bytes each one more (or less) than the last: "abcdefgh", "12345678". */
const MAX_RUN = 8;

/** Why the key is evidently not random, or undefined. Never quotes the key. */
export function evidentlyNotRandom(key: Buffer): string | undefined {
  const distinct = new Set(key).size;
  if (distinct < MIN_DISTINCT_BYTES) return `it uses only ${distinct} different byte values`;
  const period = shortestPeriod(key);
  if (period <= key.length / 2) return `it repeats a ${period}-byte pattern`;
  if (longestRun(key) >= MAX_RUN) return `it holds a run of ${MAX_RUN} or more consecutive values`;
  return undefined;
}

/** The length of the shortest unit the key repeats (its own length when it repeats none). */
function shortestPeriod(key: Buffer): number {
  for (let period = 1; period < key.length; period += 1) {
    if (key.every((byte, index) => index < period || byte === key[index - period])) return period;
  }
  return key.length;
}

/** The longest run of bytes that each step by +1 from the last, or each by -1. */
function longestRun(key: Buffer): number {
  const steps = [...key.subarray(1)].map((byte, index) => byte - (key[index] ?? 0));
  let longest = 1;
  let run = 1;
  steps.forEach((step, index) => {
    run = Math.abs(step) !== 1 ? 1 : step === steps[index - 1] ? run + 1 : 2;
    longest = Math.max(longest, run);
  });
  return longest;
}
