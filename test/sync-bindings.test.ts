// ROTATOR_SYNC_BINDINGS (docs/contract.md §8), parsed at load: what a deployment may bind, each rule's own problem
// text naming the binding and the rule, every problem at once, never a value.
import { describe, expect, it } from 'vitest';
import { parseBindings } from '#lib/handlers/config/bindings.ts';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:teo/zone-a1-AbCdEf';
const AWS = { kind: 'aws-secrets-manager', secretArn: ARN };
const DOPPLER = { kind: 'doppler', project: 'gateways', config: 'prd', name: 'TEO_KEY' };
const INFISICAL = { kind: 'infisical', projectId: 'proj-1', environment: 'prod', name: 'GATEWAY_KEY' };
const ORIGIN_RULE = 'must be an https:// origin (http:// only to a loopback address)';

const parse = (bindings: unknown) => parseBindings(JSON.stringify(bindings));
const sourceOf = (source: unknown) => {
  const parsed = parse([{ zone: 'zone-a1', source }]);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.config[0]?.source;
};
const problemsOf = (source: unknown) => {
  const parsed = parse([{ zone: 'zone-a1', source }]);
  return parsed.ok ? [] : parsed.problems;
};

describe('a binding that is taken', () => {
  it('reads a Secrets Manager secret whole, or one field of it', () => {
    expect(sourceOf(AWS)).toEqual(AWS);
    expect(sourceOf({ ...AWS, field: 'TEO_KEY' })).toEqual({ ...AWS, field: 'TEO_KEY' });
    expect(sourceOf({ ...AWS, field: 'f'.repeat(256) })).toEqual({ ...AWS, field: 'f'.repeat(256) });
  });

  it('reads Doppler at its public API unless told otherwise', () => {
    expect(sourceOf(DOPPLER)).toEqual({ ...DOPPLER, apiUrl: 'https://api.doppler.com' });
  });

  it('reads Infisical at its public site, from the root path, unless told otherwise', () => {
    expect(sourceOf(INFISICAL)).toEqual({
      ...INFISICAL,
      siteUrl: 'https://app.infisical.com',
      secretPath: '/',
    });
    expect(sourceOf({ ...INFISICAL, secretPath: '/teo' })).toMatchObject({ secretPath: '/teo' });
  });

  it.each([
    'https://doppler.example.com',
    'http://127.0.0.1:8080',
    'http://127.0.0.10:8080',
    'http://127.255.255.255',
    'http://localhost:1',
    'http://[::1]:2',
  ])('takes the API origin %s', (apiUrl) => {
    expect(sourceOf({ ...DOPPLER, apiUrl })).toMatchObject({ apiUrl });
  });

  it('takes an empty list: sync is off', () => {
    expect(parseBindings('[]')).toEqual({ ok: true, config: [] });
  });
});

describe('a binding that is refused at load', () => {
  it.each([
    [undefined, 'ROTATOR_SYNC_BINDINGS is not set'],
    [' ', 'ROTATOR_SYNC_BINDINGS is not set'],
    ['[{', 'ROTATOR_SYNC_BINDINGS is not valid JSON'],
    ['{}', 'ROTATOR_SYNC_BINDINGS must be a JSON array of bindings'],
    [
      '[{"zone":"zone-a1","zone":"zone-a2"}]',
      'ROTATOR_SYNC_BINDINGS[0] gives a field twice: JSON would silently keep only the last',
    ],
  ])('%j: %s', (raw, problem) => {
    expect(parseBindings(raw)).toEqual({ ok: false, problems: [problem] });
  });

  it.each([
    ['a string', 'zone-a1', 'must be an object'],
    ['null', null, 'must be an object'],
    ['without a zone', { source: DOPPLER }, '"zone" is required'],
    ['without a source', { zone: 'zone-a1' }, '"source" is required'],
    [
      'with another field',
      { zone: 'zone-a1', source: DOPPLER, token: 'x' },
      'a binding has only zone and source',
    ],
    ['whose zone is a number', { zone: 1, source: DOPPLER }, 'zone must be a zone id'],
    [
      'whose zone is malformed',
      { zone: 'zone-A', source: DOPPLER },
      "zone must be a zone id ('zone-' followed by 1 to 64 lower-case letters or digits)",
    ],
    [
      'whose source is not an object',
      { zone: 'zone-a1', source: 'doppler' },
      'source.kind must be aws-secrets-manager, doppler or infisical',
    ],
    [
      'of an unknown kind',
      { zone: 'zone-a1', source: { kind: 'vault' } },
      'source.kind must be aws-secrets-manager, doppler or infisical',
    ],
  ])('a binding %s', (_, binding, problem) => {
    expect(parse([binding])).toEqual({ ok: false, problems: [`ROTATOR_SYNC_BINDINGS[0]: ${problem}`] });
  });

  it.each([
    ['without secretArn', { kind: 'aws-secrets-manager' }, '"secretArn" is required'],
    ['whose secretArn is a number', { ...AWS, secretArn: 5 }, 'secretArn must be a string'],
    ...[
      'arn:aws:secretsmanager:eu-west-1:12345678901:secret:teo',
      'arn:aws:secretsmanager:eu-west-1:1234567890123:secret:teo',
      'arn:aws:secretsmanager:eu-west-1:12345678901x:secret:teo',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:teo key',
      'arn:aws:secretsmanager::123456789012:secret:teo',
      'arn:aws:secretsmanager:EU:123456789012:secret:teo',
      'arn:AWS:secretsmanager:eu-west-1:123456789012:secret:teo',
      'arn::secretsmanager:eu-west-1:123456789012:secret:teo',
      'arn:aws:ssm:eu-west-1:123456789012:secret:teo',
      `x${ARN}`,
      `${ARN}\n`,
    ].map((secretArn): [string, unknown, string] => [
      `whose secretArn is ${JSON.stringify(secretArn)}`,
      { ...AWS, secretArn },
      'secretArn must be a Secrets Manager secret ARN',
    ]),
    [
      'with another field',
      { ...AWS, name: 'x' },
      'an aws-secrets-manager source has only secretArn and field',
    ],
    ['whose field is a number', { ...AWS, field: 3 }, 'field must be a string'],
    ...['', 'a b', ' a', 'a ', 'f'.repeat(257), 'a\tb'].map((field): [string, unknown, string] => [
      `whose field is ${JSON.stringify(field)}`,
      { ...AWS, field },
      'field must be 1 to 256 characters without spaces',
    ]),
  ])('a Secrets Manager source %s', (_, source, problem) => {
    expect(problemsOf(source)).toEqual([`ROTATOR_SYNC_BINDINGS[0]: ${problem}`]);
  });

  it.each([
    ['without a config', { ...DOPPLER, config: undefined }, '"config" is required'],
    [
      'with another field',
      { ...DOPPLER, token: 'x' },
      'a doppler source has only apiUrl, project, config and name',
    ],
    [
      'whose project has a space',
      { ...DOPPLER, project: 'a b' },
      'project must be 1 to 256 characters without spaces',
    ],
    ['whose name is a number', { ...DOPPLER, name: 1 }, 'name must be a string'],
    [
      'whose config has a space',
      { ...DOPPLER, config: 'p r d' },
      'config must be 1 to 256 characters without spaces',
    ],
    ['whose apiUrl is a number', { ...DOPPLER, apiUrl: 1 }, 'apiUrl must be a string'],
    ...[
      'http://doppler.example.com',
      'http://127.0.0.1.evil.example',
      'http://evil127.0.0.1',
      'http://1270.0.0.1',
      'http://127.0.0.1000',
      'http://x.localhost',
      'http://localhost.evil.example',
      'https://user:pass@doppler.example.com',
      'https://user@doppler.example.com',
      'https://:pass@doppler.example.com',
      'ftp://127.0.0.1',
      'https://doppler.example.com/v3',
      'https://doppler.example.com/?a=1',
      'ftp://doppler.example.com',
      'not a url',
    ].map((apiUrl): [string, unknown, string] => [
      `whose apiUrl is ${apiUrl}`,
      { ...DOPPLER, apiUrl },
      `apiUrl ${ORIGIN_RULE}`,
    ]),
  ])('a Doppler source %s', (_, source, problem) => {
    expect(problemsOf(source)).toEqual([`ROTATOR_SYNC_BINDINGS[0]: ${problem}`]);
  });

  it.each([
    [
      'whose secretPath does not start with /',
      { ...INFISICAL, secretPath: 'teo/' },
      'secretPath must start with /',
    ],
    ['whose siteUrl is not https', { ...INFISICAL, siteUrl: 'http://example.com' }, `siteUrl ${ORIGIN_RULE}`],
    [
      'whose environment is empty',
      { ...INFISICAL, environment: '' },
      'environment must be 1 to 256 characters without spaces',
    ],
    ['whose projectId is a number', { ...INFISICAL, projectId: 7 }, 'projectId must be a string'],
    ['whose secretPath is a number', { ...INFISICAL, secretPath: 7 }, 'secretPath must be a string'],
    ['whose name is empty', { ...INFISICAL, name: '' }, 'name must be 1 to 256 characters without spaces'],
    [
      'with another field',
      { ...INFISICAL, clientSecret: 'x' },
      'an infisical source has only siteUrl, projectId, environment, secretPath and name',
    ],
  ])('an Infisical source %s', (_, source, problem) => {
    expect(problemsOf(source)).toEqual([`ROTATOR_SYNC_BINDINGS[0]: ${problem}`]);
  });

  it('reports every problem of every binding at once', () => {
    expect(
      parse([
        { zone: 'zone-A', source: { ...DOPPLER, name: 'a b' } },
        { zone: 'zone-b1', source: { kind: 'vault' } },
        { zone: 'zone-c1', source: DOPPLER },
        { zone: 'zone-c1', source: INFISICAL },
      ]),
    ).toEqual({
      ok: false,
      problems: [
        "ROTATOR_SYNC_BINDINGS[0]: zone must be a zone id ('zone-' followed by 1 to 64 lower-case letters or digits)",
        'ROTATOR_SYNC_BINDINGS[0]: name must be 1 to 256 characters without spaces',
        'ROTATOR_SYNC_BINDINGS[1]: source.kind must be aws-secrets-manager, doppler or infisical',
        'ROTATOR_SYNC_BINDINGS: the zone zone-c1 is bound more than once',
      ],
    });
  });

  it('quotes no value it refuses', () => {
    const secret = 'dp.st.prd.NotARealTokenButShapedLikeOne0000';
    const parsed = parse([
      { zone: secret, source: { ...DOPPLER, apiUrl: secret, name: `${secret} x` } },
      { zone: 'zone-a1', source: { ...AWS, secretArn: secret } },
    ]);

    expect(parsed.ok).toBe(false);
    expect(JSON.stringify(parsed)).not.toContain(secret);
  });
});
