import { describe, expect, it } from 'vitest';
import { loadConfig } from '#lib/handlers/config/rotator-config.ts';
import type { HttpRequest } from '#lib/handlers/http/request.ts';
import { verifyWebhook } from '#lib/handlers/http/webhook.ts';
import { testEnvironment } from './support/fake-config.ts';
import { webhookVector as vector, webhookSignature } from './support/webhooks.ts';

const loaded = loadConfig(testEnvironment('http://127.0.0.1:9'));
if (!loaded.ok) throw new Error(loaded.problems.join('; '));
const { callers } = loaded.config;

const request = (headers: Record<string, string | undefined>, body = vector.body): HttpRequest => ({
  method: 'POST',
  path: '/rotate',
  headers: new Map(
    Object.entries(headers).flatMap(([name, value]) => (value === undefined ? [] : [[name, value]])),
  ),
  body: Buffer.from(body),
  iamPrincipal: undefined,
  sourceIp: undefined,
  userAgent: undefined,
});

const VALID = {
  'webhook-id': vector.id,
  'webhook-timestamp': String(vector.timestamp),
  'webhook-signature': vector.signature,
};

const verdict = (headers: Record<string, string | undefined>, now = vector.timestamp, body = vector.body) =>
  verifyWebhook(request(headers, body), callers, now);

const callerOf = (headers: Record<string, string | undefined>, now?: number, body?: string) => {
  const result = verdict(headers, now, body);
  return 'caller' in result ? result.caller.name : `refused: ${result.reason}`;
};

describe('Standard Webhooks verification', () => {
  it("accepts the specification's known-answer vector as the caller listing its secret", () => {
    expect(callerOf(VALID)).toBe('secrets-hook');
  });

  it('signs exactly as the vector does (the helper the other tests use)', () => {
    expect(webhookSignature(vector.secret, vector.id, vector.timestamp, vector.body)).toBe(vector.signature);
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
    'refuses a request without %s',
    (name) => {
      expect(callerOf({ ...VALID, [name]: undefined })).toMatch(/^refused: /);
    },
  );

  it.each([
    ['not a number', 'yesterday'],
    ['digits followed by junk', `${vector.timestamp}abc`],
    ['a decimal fraction', `${vector.timestamp}.5`],
    ['negative', `-${vector.timestamp}`],
    ['two joined timestamps', `${vector.timestamp},${vector.timestamp}`],
    ['empty', ''],
  ])('refuses a timestamp that is %s', (_, timestamp) => {
    expect(callerOf({ ...VALID, 'webhook-timestamp': timestamp })).toBe(
      'refused: webhook-timestamp missing or not decimal seconds',
    );
  });

  it.each([-300, -299, 0, 299, 300])('accepts a timestamp %i s from now', (offset) => {
    expect(callerOf(VALID, vector.timestamp - offset)).toBe('secrets-hook');
  });

  it.each([-301, 301, 86_400])(
    'refuses a timestamp %i s from now, naming whose secret signed it',
    (offset) => {
      expect(callerOf(VALID, vector.timestamp - offset)).toBe(
        'refused: webhook-timestamp outside the 5-minute window',
      );
      expect(verdict(VALID, vector.timestamp - offset)).toMatchObject({ signedBy: { name: 'secrets-hook' } });
    },
  );

  it('names no signer for an out-of-time request its signature does not verify: a forgery is not a delivery', () => {
    const tampered = verdict(VALID, vector.timestamp - 301, `${vector.body} `);

    expect(tampered).toEqual({ reason: 'webhook-signature matches no listed secret' });
  });

  it.each([
    ['truncated', vector.signature.slice(0, -4)],
    ['a bare "v1,"', 'v1,'],
    ['empty', ''],
    ['another version only', vector.signature.replace('v1,', 'v2,')],
    ['without its version', vector.signature.slice(3)],
  ])('refuses a signature that is %s: it has no v1 entry', (_, signature) => {
    expect(callerOf({ ...VALID, 'webhook-signature': signature })).toBe(
      'refused: webhook-signature has no v1 entry',
    );
  });

  it('refuses a well-formed v1 signature made with a secret no caller lists', () => {
    const foreign = webhookSignature(
      `whsec_${Buffer.from('a-secret-no-caller-has-listed-here').toString('base64')}`,
      vector.id,
      vector.timestamp,
      vector.body,
    );

    expect(callerOf({ ...VALID, 'webhook-signature': foreign })).toBe(
      'refused: webhook-signature matches no listed secret',
    );
  });

  it('refuses the valid MAC written with other unused bits in its last base64 character', () => {
    // 32 bytes take 43 base64 characters: the last one's two low bits carry nothing, so a lenient decoder reads
    // this altered text as the very same MAC. Only the canonical text of a MAC is evidence.
    const encoded = vector.signature.slice('v1,'.length, -1);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const last = alphabet.indexOf(encoded.at(-1) ?? '');
    const altered = `v1,${encoded.slice(0, -1)}${alphabet[last ^ 1]}=`;
    expect(Buffer.from(altered.slice(3), 'base64')).toEqual(Buffer.from(encoded, 'base64'));

    expect(callerOf({ ...VALID, 'webhook-signature': altered })).toBe(
      'refused: webhook-signature has no v1 entry',
    );
  });

  it('accepts a list in which one v1 entry is valid among other versions and stale keys', () => {
    const stale = webhookSignature(
      'whsec_c3RhbGUtc2VjcmV0LW5vLWxvbmdlci1saXN0ZWQ=',
      vector.id,
      vector.timestamp,
      vector.body,
    );
    const signature = `v1a,${vector.signature.slice(3)} ${stale} v2,bm90LWEtdjEtc2lnbmF0dXJl ${vector.signature}`;

    expect(callerOf({ ...VALID, 'webhook-signature': signature })).toBe('secrets-hook');
  });

  it('refuses two signature headers that API Gateway joined with a comma', () => {
    expect(callerOf({ ...VALID, 'webhook-signature': `${vector.signature},${vector.signature}` })).toMatch(
      /^refused/,
    );
  });

  it('refuses two ids that API Gateway joined with a comma', () => {
    expect(callerOf({ ...VALID, 'webhook-id': `${vector.id},msg_other` })).toBe(
      'refused: webhook-id missing or malformed',
    );
  });

  it.each([
    ['256 characters', 'm'.repeat(256)],
    ['a space', 'msg 1'],
    ['a character outside visible ASCII', 'msg_é'],
  ])('refuses a webhook-id of %s, by the rule an Idempotency-Key follows', (_, id) => {
    const signed = {
      ...VALID,
      'webhook-id': id,
      'webhook-signature': webhookSignature(vector.secret, id, vector.timestamp, vector.body),
    };

    expect(callerOf(signed)).toBe('refused: webhook-id missing or malformed');
  });

  it('takes a webhook-id of 255 visible characters, as it takes an Idempotency-Key', () => {
    const id = '~'.repeat(255);
    const signed = {
      ...VALID,
      'webhook-id': id,
      'webhook-signature': webhookSignature(vector.secret, id, vector.timestamp, vector.body),
    };

    expect(callerOf(signed)).toBe('secrets-hook');
  });

  it('verifies an empty body', () => {
    const headers = {
      ...VALID,
      'webhook-signature': webhookSignature(vector.secret, vector.id, vector.timestamp, ''),
    };

    expect(callerOf(headers, vector.timestamp, '')).toBe('secrets-hook');
  });

  it('verifies the exact bytes: the same JSON re-serialized does not verify', () => {
    expect(callerOf(VALID, vector.timestamp, JSON.stringify(JSON.parse(vector.body)))).toBe(
      'refused: webhook-signature matches no listed secret',
    );
  });

  it('accepts every secret a caller lists, so the webhook secret itself can rotate with overlap', () => {
    const next = 'whsec_bmV4dC13ZWJob29rLXNlY3JldC0yNC1ieXRlcyE=';
    const withTwo = loadConfig(
      testEnvironment('http://127.0.0.1:9', {
        ROTATOR_CLIENTS: JSON.stringify([
          { name: 'hook', zones: ['*'], webhookSecrets: [vector.secret, next] },
        ]),
      }),
    );
    if (!withTwo.ok) throw new Error(withTwo.problems.join('; '));
    const signedWithNext = {
      ...VALID,
      'webhook-signature': webhookSignature(next, vector.id, vector.timestamp, vector.body),
    };

    for (const headers of [VALID, signedWithNext]) {
      const result = verifyWebhook(request(headers), withTwo.config.callers, vector.timestamp);
      expect('caller' in result && result.caller.name).toBe('hook');
    }
  });
});
