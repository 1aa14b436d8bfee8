import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseRotationRequest, refuseOversizedBody } from '#lib/domain/rotation-request.ts';
import { refusalFor } from '#lib/handlers/http/responses.ts';
import { KEY, ZONE } from './support/fake-config.ts';

const parse = (fields: Record<string, unknown>, contentType = 'application/json') =>
  parseRotationRequest(Buffer.from(JSON.stringify(fields)), contentType);

/** The refusal as a caller gets it: status and code decided where every answer is (lib/handlers/http/responses.ts). */
const refusalOf = (attempt: () => unknown) => {
  try {
    attempt();
  } catch (error) {
    const { status, code, message } = refusalFor(error);
    return { status, code, message };
  }
  throw new Error('accepted');
};
const refusal = (fields: Record<string, unknown>) => refusalOf(() => parse(fields));

/** A key of that many bytes that looks random: the first bytes of a SHA-512, the same every run. */
const keyOf = (bytes: number) =>
  Buffer.concat([createHash('sha512').update('a').digest(), createHash('sha512').update('b').digest()])
    .subarray(0, bytes)
    .toString('base64');

describe('parseRotationRequest', () => {
  it('returns the zone and key of a valid body, not a dry run unless it says so', () => {
    expect(parse({ ZoneId: ZONE, SecretKey: KEY })).toEqual({ zoneId: ZONE, secretKey: KEY, dryRun: false });
    expect(parse({ ZoneId: ZONE, SecretKey: KEY, DryRun: true })).toEqual({
      zoneId: ZONE,
      secretKey: KEY,
      dryRun: true,
    });
    expect(parse({ ZoneId: ZONE, SecretKey: KEY, DryRun: false }).dryRun).toBe(false);
  });

  it.each(['true', 1, null, {}, []])('refuses DryRun %j: it must be true or false', (dryRun) => {
    expect(refusal({ ZoneId: ZONE, SecretKey: KEY, DryRun: dryRun })).toEqual({
      status: 400,
      code: 'InvalidParameterValue',
      message: 'DryRun must be true or false.',
    });
  });

  it.each([32, 33, 47, 48])('accepts a key of %i bytes', (bytes) => {
    expect(parse({ ZoneId: ZONE, SecretKey: keyOf(bytes) }).secretKey).toBe(keyOf(bytes));
  });

  it.each([
    ['the same byte 32 times', Buffer.alloc(32, 0xa7), 'it uses only 1 different byte values'],
    [
      'a word repeated',
      Buffer.from('passwordpasswordpasswordpassword'),
      'it uses only 7 different byte values',
    ],
    [
      'a short text repeated',
      Buffer.from('Gateway-Key-2026Gateway-Key-2026'),
      'it repeats a 16-byte pattern',
    ],
    [
      'a repeated pattern with a ragged end',
      Buffer.from('Abc123!xyzAbc123!xyzAbc123!xyzAb'),
      'it repeats a 10-byte pattern',
    ],
    [
      'a count',
      Buffer.from('key-0123456789-gateway-teo-edge!'),
      'it holds a run of 8 or more consecutive values',
    ],
    [
      'a count down',
      Buffer.from([...randomBytes(20), 90, 89, 88, 87, 86, 85, 84, 83, 0, 1, 2, 3]),
      'it holds a run of 8 or more consecutive values',
    ],
  ])('refuses a key that is evidently not random: %s, saying why and quoting nothing', (_, key, why) => {
    const refused = refusal({ ZoneId: ZONE, SecretKey: key.toString('base64') });

    expect(refused).toEqual({
      status: 400,
      code: 'InvalidParameterValue',
      message: `SecretKey must be random: ${why}. Generate one (rotator rotate --generate, or openssl rand -base64 32).`,
    });
  });

  it.each([
    ['32 random bytes', () => randomBytes(32)],
    ['48 random bytes', () => randomBytes(48)],
    ['32 random hex characters, as TEO’s docs invite', () => Buffer.from(randomBytes(16).toString('hex'))],
    [
      'a run of 7 consecutive values, one short of refused',
      () => Buffer.from('abcdefg-Q9#kz!Lw2@Vx8&Rt5^Mn0*Pb'),
    ],
    [
      'exactly 8 different byte values, the least taken',
      () =>
        Buffer.from([
          3, 17, 42, 99, 150, 201, 230, 77, 42, 201, 17, 77, 3, 99, 230, 150, 77, 77, 17, 3, 201, 42, 150, 99,
          230, 17, 99, 3, 42, 77, 201, 150,
        ]),
    ],
    [
      'a pattern that repeats only after its first byte (no pattern: the first byte is part of it)',
      () =>
        Buffer.from([
          200,
          ...[0, 1, 2].flatMap(() => [10, 30, 50, 70, 90, 110, 130, 220]),
          10,
          30,
          50,
          70,
          90,
          110,
          130,
        ]),
    ],
    [
      'a value and the next, alternating (a run steps one way)',
      () => Buffer.from([...Buffer.from('Q9#kz!Lw2@Vx8&Rt5^Mn0*'), 50, 51, 50, 51, 50, 51, 50, 51, 63, 37]),
    ],
    [
      'eight values each two more than the last (a run counts steps of one)',
      () => Buffer.from([...Buffer.from('Q9#kz!Lw2@Vx8&Rt5^Mn0*'), 0, 2, 4, 6, 8, 10, 12, 14, 63, 37]),
    ],
  ])('accepts %s', (_, key) => {
    const secretKey = key().toString('base64');

    expect(parse({ ZoneId: ZONE, SecretKey: secretKey }).secretKey).toBe(secretKey);
  });

  it.each([0, 1, 31, 49, 64])('refuses a key of %i bytes', (bytes) => {
    expect(refusal({ ZoneId: ZONE, SecretKey: keyOf(bytes) })).toEqual({
      status: 400,
      code: 'InvalidParameterValue',
      message: 'SecretKey must decode to 32 to 48 bytes.',
    });
  });

  it.each([
    ['unpadded', KEY.replace(/=$/, '')],
    ['over-padded', `${KEY}=`],
    ['URL-safe alphabet', KEY.replace('/', '_').replace('+', '-')],
    ['white space inside', `${KEY.slice(0, 20)} ${KEY.slice(20)}`],
    ['a trailing newline', `${KEY}\n`],
    // The last character before '=' carries 2 unused bits; canonical base64 leaves them zero.
    ['non-zero unused bits', KEY.replace(/Y=$/, 'Z=')],
    ['padding inside', `${KEY.slice(0, 4)}=${KEY.slice(5)}`],
    ['a character outside the alphabet', `${KEY.slice(0, 10)}.${KEY.slice(11)}`],
  ])('refuses a key that is not canonical base64: %s', (_, key) => {
    expect(refusal({ ZoneId: ZONE, SecretKey: key })).toEqual({
      status: 400,
      code: 'InvalidParameterValue',
      message: 'SecretKey must be standard base64 with canonical = padding and no white space.',
    });
  });

  it.each([
    ['zone-a', true],
    [`zone-${'a'.repeat(64)}`, true],
    [`zone-${'a'.repeat(65)}`, false],
    ['zone-', false],
    ['zone-Abc', false],
    ['zone_abc', false],
    [' zone-abc', false],
    ['zone-abc\n', false],
  ])('judges ZoneId %j valid: %s', (zoneId, valid) => {
    if (valid) expect(parse({ ZoneId: zoneId, SecretKey: KEY }).zoneId).toBe(zoneId);
    else expect(refusal({ ZoneId: zoneId, SecretKey: KEY }).code).toBe('InvalidParameterValue');
  });

  it('reports a misspelt field before the field it hides', () => {
    expect(refusal({ zoneId: ZONE, SecretKey: KEY })).toEqual({
      status: 400,
      code: 'InvalidParameter',
      message: "The field 'zoneId' is not accepted; the body takes only ZoneId, SecretKey and DryRun.",
    });
  });

  it.each([
    ['a bare string: perhaps the key itself', JSON.stringify(KEY)],
    ['an array', JSON.stringify([ZONE, KEY])],
    ['null', 'null'],
    ['a number', '42'],
  ])('refuses a body that is %s as not an object, quoting nothing of it', (_, body) => {
    expect(refusalOf(() => parseRotationRequest(Buffer.from(body), 'application/json'))).toEqual({
      status: 400,
      code: 'InvalidParameter',
      message: 'The body must be a JSON object.',
    });
  });

  it('does not echo a field name that only ends like a safe one', () => {
    const { message } = refusal({ ZoneId: ZONE, SecretKey: KEY, [`k+/${'A'.repeat(20)}`]: true });

    expect(message).toBe(
      'An unknown field is not accepted; the body takes only ZoneId, SecretKey and DryRun.',
    );
  });

  it('does not echo an unknown field name that could be a smuggled secret', () => {
    const { message } = refusal({ ZoneId: ZONE, SecretKey: KEY, [KEY]: true });

    expect(message).toBe(
      'An unknown field is not accepted; the body takes only ZoneId, SecretKey and DryRun.',
    );
  });

  it('treats a JSON "__proto__" key as an unknown field, not as a prototype', () => {
    const body = Buffer.from(`{"ZoneId":"${ZONE}","SecretKey":"${KEY}","__proto__":{"polluted":true}}`);

    expect(() => parseRotationRequest(body, 'application/json')).toThrow(/is not accepted/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a body that is not UTF-8, even where a lenient decoder would make it valid JSON', () => {
    // The stray byte sits inside a string: replaced by U+FFFD, the JSON would parse.
    const body = Buffer.concat([
      Buffer.from('{"ZoneId":"zone-a1","SecretKey":"'),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ]);

    expect(() => parseRotationRequest(body, 'application/json')).toThrow(
      'The body is not well-formed UTF-8 JSON.',
    );
  });

  it.each([
    'application/json',
    'Application/JSON',
    'application/json;charset=utf-8',
    'application/json; charset="UTF-8"',
    'application/json ; charset = utf-8 ',
    'application/json\t;\tcharset\t=\t"utf-8"\t',
    '  application/json  ',
  ])('accepts the media type %j', (contentType) => {
    expect(parse({ ZoneId: ZONE, SecretKey: KEY }, contentType).zoneId).toBe(ZONE);
  });

  it.each([
    'application/jsonx',
    'text/json',
    'text/application/json',
    'application/json; charset=utf-16',
    'application/json; charset=utf-8x',
    'application/json; charset=xutf-8',
    'application/json; charset=utf-8; boundary=x',
    'application/json;',
    'application/json; utf-8',
    'application/json; charsetutf-8',
    'application/jsonxcharset=utf-8',
    'application/x-www-form-urlencoded',
    '',
  ])('refuses the media type %j with 415', (contentType) => {
    expect(refusalOf(() => parse({ ZoneId: ZONE, SecretKey: KEY }, contentType))).toEqual({
      status: 415,
      code: 'UnsupportedMediaType',
      message: 'Content-Type must be application/json (optionally with charset=utf-8).',
    });
  });

  it('accepts exactly 8 KiB and refuses one byte more', () => {
    const valid = JSON.stringify({ ZoneId: ZONE, SecretKey: KEY });
    const padded = (bytes: number) => Buffer.from(valid + ' '.repeat(bytes - valid.length));

    expect(() => refuseOversizedBody(padded(8192))).not.toThrow();
    expect(parseRotationRequest(padded(8192), 'application/json').zoneId).toBe(ZONE);
    expect(refusalOf(() => refuseOversizedBody(padded(8193)))).toMatchObject({
      status: 413,
      code: 'RequestSizeLimitExceeded',
    });
  });
});
