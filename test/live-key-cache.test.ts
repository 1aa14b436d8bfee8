// lib/handlers/rotate/live-key-cache.ts: a zone status' Describe reused for a second, for at most 1,024 zones.
import { describe, expect, it } from 'vitest';
import { liveKeyCache } from '#lib/handlers/rotate/live-key-cache.ts';

const live = (requestId: string) => ({ fingerprint: '0123456789abcdef', requestId });
const zone = (n: number) => `zone-${n.toString(36).padStart(6, '0')}`;

describe('the zone status’ reused Describes', () => {
  it('keeps 1,024 zones at most: the one kept longest ago makes room', () => {
    const cache = liveKeyCache(() => 0);
    for (let n = 0; n < 1024; n += 1) cache.keep(zone(n), undefined, live(`r${n}`));

    cache.keep(zone(1024), undefined, live('r1024'));

    expect(cache.recent(zone(0))).toBeUndefined();
    expect(cache.recent(zone(1))?.live.requestId).toBe('r1');
    expect(cache.recent(zone(1024))?.live.requestId).toBe('r1024');
  });

  it('counts a zone kept again as the newest: the zones kept after it first was make room before it', () => {
    const cache = liveKeyCache(() => 0);
    for (let n = 0; n < 1024; n += 1) cache.keep(zone(n), undefined, live(`r${n}`));
    cache.keep(zone(5), 'applied-1', live('again'));

    for (let n = 1024; n < 1030; n += 1) cache.keep(zone(n), undefined, live(`r${n}`));

    expect(cache.recent(zone(5))).toEqual({ live: live('again'), lastApplied: 'applied-1', at: 0 });
    expect([0, 1, 2, 3, 4, 6].map((n) => cache.recent(zone(n)))).toEqual(Array(6).fill(undefined));
    expect(cache.recent(zone(7))?.live.requestId).toBe('r7');
  });
});
