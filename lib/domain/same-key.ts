import { timingSafeEqual } from 'node:crypto';

/** Whether two keys are the same, compared in constant time: how long it takes says nothing about either. */
export const sameKey = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
