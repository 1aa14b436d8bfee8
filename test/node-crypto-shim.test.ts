// The bundles' node:crypto (lib/adapters/teo/sdk-shims/node-crypto.ts) hands Buffer keys to HMAC as KeyObjects, for speed: the MACs
// must be exactly node:crypto's, whatever the key.
import nodeCrypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createHmac } from '#lib/adapters/teo/sdk-shims/node-crypto.ts';

describe('the bundles’ createHmac', () => {
  it.each([
    ['a Buffer key', Buffer.from('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b', 'hex')],
    ['a string key', 'TC3FakeSecretKeyForTestsOnly'],
    ['an empty Buffer key', Buffer.alloc(0)],
    ['a Uint8Array key', new Uint8Array([1, 2, 3])],
  ])('gives node:crypto’s MAC for %s', (_, key) => {
    const mac = (create: typeof createHmac) => create('sha256', key).update('Hi There').digest('hex');

    expect(mac(createHmac)).toBe(mac(nodeCrypto.createHmac));
  });

  it('matches RFC 4231 test case 1', () => {
    const key = Buffer.alloc(20, 0x0b);

    expect(createHmac('sha256', key).update('Hi There').digest('hex')).toBe(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    );
  });
});
