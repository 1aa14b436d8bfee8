// The check that keeps openapi.yaml and the handler in step must itself catch a drift; and the document itself
// passes Redocly's recommended rules, so that tools reading it (generators, portals) read what it means.
import { lint, loadConfig } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';
import { undocumented } from './support/openapi.ts';

const answer = (statusCode: number, body: unknown, headers: Record<string, string> = {}) => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(body),
});
const FP = '0123456789abcdef';

describe('openapi.yaml, as the handler tests read it', () => {
  it.each([
    ['POST', '/rotate', answer(200, { RequestId: 'r', KeyFingerprint: FP })],
    [
      'POST',
      '/iam/rotate',
      answer(200, { RequestId: 'r', KeyFingerprint: FP, SettledBy: 'DescribeMultiPathGatewaySecretKey' }),
    ],
    ['POST', '/rotate', answer(200, { RequestId: 'r', KeyFingerprint: FP, FirstKey: true })],
    [
      'POST',
      '/rotate',
      answer(200, { DryRun: true, RequestId: 'r', HasKey: false, KeyFingerprint: FP, Live: false }),
    ],
    ['POST', '/rotate', answer(409, { Error: { Code: 'RequestSuperseded', Message: 'm' } })],
    [
      'POST',
      '/rotate',
      answer(
        429,
        { Error: { Code: 'RequestLimitExceeded', Message: 'm' }, RequestId: 'r' },
        { 'retry-after': '1' },
      ),
    ],
    [
      'GET',
      '/zones/zone-abc',
      answer(200, {
        ZoneId: 'zone-abc',
        HasKey: true,
        LiveKeyFingerprint: '0123456789abcdef',
        RequestId: 'r',
        LastRotation: null,
      }),
    ],
    [
      'GET',
      '/zones/zone-abc',
      answer(200, {
        ZoneId: 'zone-abc',
        HasKey: false,
        LiveKeyFingerprint: null,
        RequestId: 'r',
        LastRotation: null,
      }),
    ],
    ['GET', '/nowhere', answer(404, { Error: { Code: 'NotFound', Message: 'm' } })],
    [
      'DELETE',
      '/rotate',
      answer(405, { Error: { Code: 'MethodNotAllowed', Message: 'm' } }, { allow: 'POST' }),
    ],
    ['POST', '/iam/rotate', answer(403, { message: 'Forbidden' })],
    ['POST', '/sync/doppler', answer(429, { message: 'Too Many Requests' })],
    ['GET', '/zones/zone-abc', answer(500, { message: 'Internal Server Error' })],
  ])('accepts the documented %s %s answer', (method, path, response) => {
    expect(undocumented(method, path, response)).toEqual([]);
  });

  it.each([
    [
      'a field the document does not have',
      'POST',
      '/rotate',
      answer(200, { RequestId: 'r', KeyFingerprint: FP, SecretKey: 'k' }),
    ],
    ['a success without its RequestId', 'POST', '/rotate', answer(200, { KeyFingerprint: FP })],
    ['a rotation without its key’s fingerprint', 'POST', '/rotate', answer(200, { RequestId: 'r' })],
    [
      'a fingerprint of another shape',
      'POST',
      '/rotate',
      answer(200, { RequestId: 'r', KeyFingerprint: 'ABCDEF0123456789' }),
    ],
    [
      'a status the operation does not document',
      'POST',
      '/rotate',
      answer(418, { Error: { Code: 'x', Message: 'm' } }),
    ],
    ['an error body of another shape', 'POST', '/rotate', answer(400, { message: 'Bad Request' })],
    [
      'a 405 without Allow',
      'DELETE',
      '/rotate',
      answer(405, { Error: { Code: 'MethodNotAllowed', Message: 'm' } }),
    ],
    [
      'a 401 without WWW-Authenticate',
      'POST',
      '/rotate',
      answer(401, { Error: { Code: 'AuthFailure', Message: 'm' } }),
    ],
    [
      'a fingerprint of another form',
      'GET',
      '/zones/zone-abc',
      answer(200, { ZoneId: 'zone-abc', LiveKeyFingerprint: 'KEY', RequestId: 'r', LastRotation: null }),
    ],
    ['a cacheable answer', 'POST', '/rotate', { ...answer(200, { RequestId: 'r' }), headers: {} }],
    [
      'a 409 from the zone status, which takes no lease',
      'GET',
      '/zones/zone-abc',
      answer(409, { Error: { Code: 'ResourceInUse', Message: 'm' } }),
    ],
  ])('refuses %s', (_, method, path, response) => {
    expect(undocumented(method, path, response)).not.toEqual([]);
  });
});

describe('openapi.yaml, as Redocly lints it', () => {
  it("has no error or warning under Redocly's recommended rules", async () => {
    const problems = await lint({
      ref: new URL('../openapi.yaml', import.meta.url).pathname,
      config: await loadConfig({}),
    });

    expect(problems.map(({ ruleId, message }) => `${ruleId}: ${message}`)).toEqual([]);
  });
});
