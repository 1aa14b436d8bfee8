// docs/contract.md §8's notifications, one by one: a webhook is verified before its body is read, each refusal
// says why, and a verified notification selects exactly the bindings it names.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Binding } from '#lib/domain/sync/binding.ts';
import type { HttpRequest } from '#lib/handlers/http/request.ts';
import { dopplerBindings, infisicalBindings, secretEventBindings } from '#lib/handlers/sync/notifications.ts';

const SECRET = 'whsec-test-not-a-real-secret';
const NOW = 1_750_000_000_000;
const mac = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

const request = (body: string, headers: Record<string, string>): HttpRequest => ({
  method: 'POST',
  path: '/sync',
  headers: new Map(Object.entries(headers)),
  body: Buffer.from(body),
  iamPrincipal: undefined,
  sourceIp: undefined,
  userAgent: undefined,
});

const doppler = (project: string, config: string, name: string): Binding => ({
  zoneId: `zone-${project}${config}${name}`.toLowerCase().replace(/[^a-z0-9-]/g, ''),
  source: { kind: 'doppler', apiUrl: 'https://api.doppler.com', project, config, name },
});
const infisical = (projectId: string, environment: string, secretPath: string): Binding => ({
  zoneId: `zone-${projectId}${environment}${secretPath.length}`,
  source: {
    kind: 'infisical',
    siteUrl: 'https://app.infisical.com',
    projectId,
    environment,
    secretPath,
    name: 'K',
  },
});
const aws = (secretArn: string): Binding => ({
  zoneId: `zone-${secretArn.length}`,
  source: { kind: 'aws-secrets-manager', secretArn },
});

describe('a Doppler webhook', () => {
  const PRD_KEY = doppler('gateways', 'prd', 'TEO_KEY');
  const PRD_OTHER = doppler('gateways', 'prd', 'OTHER_KEY');
  const STG_KEY = doppler('gateways', 'stg', 'TEO_KEY');
  const ELSEWHERE = doppler('web', 'prd', 'TEO_KEY');
  const BINDINGS = [PRD_KEY, PRD_OTHER, STG_KEY, ELSEWHERE, infisical('gateways', 'prd', '/')];

  const signed = (payload: unknown, secret = SECRET) => {
    const body = JSON.stringify(payload);
    return request(body, { 'x-doppler-signature': `sha256=${mac(body, secret)}` });
  };
  const update = (extra: Record<string, unknown> = {}) => ({
    type: 'config.secrets.update',
    config: { project: 'gateways', name: 'prd' },
    ...extra,
  });

  it('selects the bound secrets of the config it names, by project and config name', () => {
    expect(dopplerBindings(signed(update()), SECRET, BINDINGS)).toEqual([PRD_KEY, PRD_OTHER]);
  });

  it('reads the project from project.slug and the config from config.slug, as Doppler also sends them', () => {
    const payload = { type: 'config.secrets.update', project: { slug: 'gateways' }, config: { slug: 'stg' } };

    expect(dopplerBindings(signed(payload), SECRET, BINDINGS)).toEqual([STG_KEY]);
  });

  it.each(['added', 'updated', 'removed'])('selects only the bound names it lists as %s', (list) => {
    const payload = update({ diff: { [list]: ['TEO_KEY', 'UNBOUND'] } });

    expect(dopplerBindings(signed(payload), SECRET, BINDINGS)).toEqual([PRD_KEY]);
  });

  it('selects nothing when the names it lists are none of the bound ones', () => {
    const payload = update({ diff: { added: ['A'], updated: 'TEO_KEY', removed: null } });

    expect(dopplerBindings(signed(payload), SECRET, BINDINGS)).toEqual([]);
  });

  it.each([
    ['another event type', { ...update(), type: 'config.update' }],
    ['no config', { type: 'config.secrets.update' }],
    ['a config that is not an object', { type: 'config.secrets.update', config: 'prd', project: 'gateways' }],
  ])('selects nothing for %s', (_, payload) => {
    expect(dopplerBindings(signed(payload), SECRET, BINDINGS)).toEqual([]);
  });

  it.each([
    ['no signature', () => request('{}', {}), 'X-Doppler-Signature does not verify'],
    [
      'a signature by another secret',
      () => signed(update(), 'another-secret'),
      'X-Doppler-Signature does not verify',
    ],
    [
      'a signature without its sha256= prefix',
      () => request('{}', { 'x-doppler-signature': mac('{}') }),
      'X-Doppler-Signature does not verify',
    ],
    [
      'a signature with text before it',
      () => request('{}', { 'x-doppler-signature': `xsha256=${mac('{}')}` }),
      'X-Doppler-Signature does not verify',
    ],
    [
      'a signature with text after it',
      () => request('{}', { 'x-doppler-signature': `sha256=${mac('{}')}0` }),
      'X-Doppler-Signature does not verify',
    ],
    [
      'an upper-case signature',
      () => request('{}', { 'x-doppler-signature': `sha256=${mac('{}').toUpperCase()}` }),
      'X-Doppler-Signature does not verify',
    ],
  ])('refuses %s', (_, make, reason) => {
    expect(() => dopplerBindings(make(), SECRET, BINDINGS)).toThrow(
      expect.objectContaining({ name: 'AuthenticationFailed', reason }),
    );
  });

  it('refuses every notification when no webhook secret is configured', () => {
    expect(() => dopplerBindings(signed(update()), undefined, BINDINGS)).toThrow(
      expect.objectContaining({ reason: 'no DOPPLER_WEBHOOK_SECRET is configured' }),
    );
  });

  it.each([
    ['not JSON', '{"type":', 'The body is not well-formed JSON.'],
    ['a JSON array', '[]', 'The body must be a JSON object.'],
    ['JSON null', 'null', 'The body must be a JSON object.'],
    ['a JSON string', '"config.secrets.update"', 'The body must be a JSON object.'],
  ])('refuses a signed body that is %s, saying so', (_, body, message) => {
    const signedBody = request(body, { 'x-doppler-signature': `sha256=${mac(body)}` });

    expect(() => dopplerBindings(signedBody, SECRET, BINDINGS)).toThrow(
      expect.objectContaining({ name: 'InvalidRequest', code: 'InvalidParameter', message }),
    );
  });
});

describe('an Infisical webhook', () => {
  const TEO = infisical('proj-1', 'prod', '/teo');
  const TEO_TOO = { ...infisical('proj-1', 'prod', '/teo'), zoneId: 'zone-too' };
  const ROOT = infisical('proj-1', 'prod', '/');
  const DEV = infisical('proj-1', 'dev', '/teo');
  const OTHER = infisical('proj-2', 'prod', '/teo');
  const BINDINGS = [TEO, TEO_TOO, ROOT, DEV, OTHER, doppler('proj-1', 'prod', 'K')];

  const payload = (
    timestamp: number,
    project: unknown = { workspaceId: 'proj-1', environment: 'prod', secretPath: '/teo' },
  ) => ({
    event: 'secrets.modified',
    project,
    timestamp,
  });
  const signed = (body: unknown, t: number | string = NOW, secret = SECRET) => {
    const text = JSON.stringify(body);
    return request(text, { 'x-infisical-signature': `t=${t};${mac(text, secret)}` });
  };

  it('selects every binding of the folder it names, by project, environment and path', () => {
    expect(infisicalBindings(signed(payload(NOW)), SECRET, BINDINGS, NOW)).toEqual([TEO, TEO_TOO]);
  });

  it('takes a signature made up to 5 minutes before or after now', () => {
    const early = NOW - 5 * 60 * 1000;
    const late = NOW + 5 * 60 * 1000;

    expect(infisicalBindings(signed(payload(early), early), SECRET, BINDINGS, NOW)).toEqual([TEO, TEO_TOO]);
    expect(infisicalBindings(signed(payload(late), late), SECRET, BINDINGS, NOW)).toEqual([TEO, TEO_TOO]);
  });

  it.each([
    ['another event', { ...payload(NOW), event: 'secrets.deleted' }],
    ['no project', { event: 'secrets.modified', timestamp: NOW }],
    ['a project that is not an object', payload(NOW, 'proj-1')],
    ['another folder', payload(NOW, { workspaceId: 'proj-1', environment: 'prod', secretPath: '/other' })],
  ])('selects nothing for %s', (_, body) => {
    expect(infisicalBindings(signed(body), SECRET, BINDINGS, NOW)).toEqual([]);
  });

  it.each([
    ['no signature', () => request('{}', {}), 'x-infisical-signature does not verify'],
    [
      'a signature by another secret',
      () => signed(payload(NOW), NOW, 'other'),
      'x-infisical-signature does not verify',
    ],
    [
      'a signature with text before it',
      () => request('{}', { 'x-infisical-signature': `xt=${NOW};${mac('{}')}` }),
      'x-infisical-signature does not verify',
    ],
    [
      'a signature with text after it',
      () => request('{}', { 'x-infisical-signature': `t=${NOW};${mac('{}')}0` }),
      'x-infisical-signature does not verify',
    ],
    [
      'a signature made 5 minutes and 1 ms ago',
      () => signed(payload(NOW - 300_001), NOW - 300_001),
      'x-infisical-signature is older than 5 minutes',
    ],
    [
      'a signature made 5 minutes and 1 ms ahead',
      () => signed(payload(NOW + 300_001), NOW + 300_001),
      'x-infisical-signature is older than 5 minutes',
    ],
    [
      'a fresh signature over a body with an old timestamp',
      () => signed(payload(NOW - 3_600_000), NOW),
      'the signed time is not the body’s timestamp',
    ],
  ])('refuses %s', (_, make, reason) => {
    expect(() => infisicalBindings(make(), SECRET, BINDINGS, NOW)).toThrow(
      expect.objectContaining({ name: 'AuthenticationFailed', reason }),
    );
  });

  it('refuses every notification when no webhook secret is configured', () => {
    expect(() => infisicalBindings(signed(payload(NOW)), undefined, BINDINGS, NOW)).toThrow(
      expect.objectContaining({ reason: 'no INFISICAL_WEBHOOK_SECRET is configured' }),
    );
  });
});

describe('an EventBridge Secret Label Updated event', () => {
  const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:teo/zone-a1-AbCdEf';
  const BOUND = aws(ARN);
  const BINDINGS = [BOUND, aws(`${ARN}x`), doppler('p', 'c', ARN)];
  const event = (labelUpdated: unknown, resources: unknown = [ARN]) => ({
    'detail-type': 'AWS API Call via CloudTrail',
    detail: { labelUpdated },
    resources,
  });

  it('selects the binding of the secret it names when AWSCURRENT moved', () => {
    expect(secretEventBindings(event('AWSCURRENT'), BINDINGS)).toEqual([BOUND]);
  });

  it.each([
    ['another label', event('AWSPENDING')],
    ['no detail', { resources: [ARN] }],
    ['no resources', { detail: { labelUpdated: 'AWSCURRENT' } }],
    ['resources that are not a list', event('AWSCURRENT', ARN)],
    ['a resource that is not a string', event('AWSCURRENT', [{ arn: ARN }])],
  ])('selects nothing for %s', (_, body) => {
    expect(secretEventBindings(body, BINDINGS)).toEqual([]);
  });
});
