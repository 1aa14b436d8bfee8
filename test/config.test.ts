import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { describe, expect, it } from 'vitest';
import { agentFor, parseTeoEndpoint, type TeoEndpoint } from '#lib/adapters/teo/endpoint.ts';
import { keyFingerprinter } from '#lib/domain/key-fingerprint.ts';
import { loadConfig } from '#lib/handlers/config/rotator-config.ts';
import { loadSecretsManagerConfig } from '#lib/handlers/config/secrets-manager-config.ts';
import { loadSyncConfig } from '#lib/handlers/config/sync-config.ts';
import {
  CALLERS,
  FINGERPRINT_KEY,
  KEY,
  OPS_TOKEN,
  sha256Hex,
  TENCENT_SECRET_ID,
  TENCENT_SECRET_KEY,
} from './support/fake-config.ts';

const BASE = {
  TENCENTCLOUD_SECRET_ID: TENCENT_SECRET_ID,
  TENCENTCLOUD_SECRET_KEY: TENCENT_SECRET_KEY,
  ROTATOR_FINGERPRINT_KEY: FINGERPRINT_KEY,
  ROTATOR_CLIENTS: JSON.stringify(CALLERS),
};

const problemsWith = (env: Record<string, string | undefined>) => {
  const loaded = loadConfig({ ...BASE, ...env });
  return loaded.ok ? [] : loaded.problems;
};

const clients = (...entries: unknown[]) => ({ ROTATOR_CLIENTS: JSON.stringify(entries) });
const opsDigest = sha256Hex(OPS_TOKEN);

describe('loadConfig', () => {
  it("defaults to TEO's international endpoint and a 5 s timeout", () => {
    const loaded = loadConfig(BASE);

    expect(loaded.ok && loaded.config.teo).toEqual({
      endpoint: { protocol: 'https:', host: 'teo.intl.tencentcloudapi.com' },
      timeoutMs: 5000,
      credentials: { secretId: TENCENT_SECRET_ID, secretKey: TENCENT_SECRET_KEY },
    });
  });

  it('takes a fingerprint key of 32 characters and names keys with it; refuses 31, naming the variable', () => {
    const at32 = loadConfig({ ...BASE, ROTATOR_FINGERPRINT_KEY: 'k'.repeat(32) });
    const at31 = loadConfig({ ...BASE, ROTATOR_FINGERPRINT_KEY: 'k'.repeat(31) });

    expect(at32.ok && at32.config.fingerprint(KEY)).toBe(keyFingerprinter('k'.repeat(32))(KEY));
    expect(at31).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^ROTATOR_FINGERPRINT_KEY must be at least 32 random characters/)],
    });
  });

  it('passes a session token on for temporary credentials', () => {
    const loaded = loadConfig({ ...BASE, TENCENTCLOUD_SESSION_TOKEN: 'fake-sts-token' });

    expect(loaded.ok && loaded.config.teo.credentials).toMatchObject({ sessionToken: 'fake-sts-token' });
  });

  it('reports every problem at once, naming variables and never their values', () => {
    const problems = problemsWith({
      TENCENTCLOUD_SECRET_ID: undefined,
      TENCENTCLOUD_SECRET_KEY: '',
      TEO_TIMEOUT_MS: '5s',
      TEO_ENDPOINT: 'https://evil.example.com',
      ROTATOR_CLIENTS: undefined,
    });

    expect(problems).toEqual([
      'TENCENTCLOUD_SECRET_ID is not set',
      'TENCENTCLOUD_SECRET_KEY is not set',
      'TEO_ENDPOINT must be https://teo.<region>.tencentcloudapi.com or an http:// loopback URL (the emulator)',
      'TEO_TIMEOUT_MS must be a whole number of milliseconds from 1 to 60000',
      'ROTATOR_CLIENTS is not set',
    ]);
  });

  it.each(['', '  \n'])('takes ROTATOR_CLIENTS=%j as not set', (value) => {
    expect(problemsWith({ ROTATOR_CLIENTS: value })).toEqual(['ROTATOR_CLIENTS is not set']);
  });

  it.each(['0', '-1', '60001', '1.5', 'NaN'])('refuses TEO_TIMEOUT_MS=%s', (value) => {
    expect(problemsWith({ TEO_TIMEOUT_MS: value })).toHaveLength(1);
  });

  it.each(['1', '60000'])('takes TEO_TIMEOUT_MS=%s', (value) => {
    const loaded = loadConfig({ ...BASE, TEO_TIMEOUT_MS: value });

    expect(loaded.ok && loaded.config.teo.timeoutMs).toBe(Number(value));
  });

  describe('ROTATOR_TABLE', () => {
    it.each(['abc', 'teo-key-rotator.prod_1', 'a'.repeat(255)])('takes %s', (table) => {
      const loaded = loadConfig({ ...BASE, ROTATOR_TABLE: table });

      expect(loaded.ok && loaded.config.table).toBe(table);
    });

    it('leaves the ledger in memory when empty', () => {
      const loaded = loadConfig({ ...BASE, ROTATOR_TABLE: '' });

      expect(loaded.ok && loaded.config.table).toBeUndefined();
    });

    it.each([
      'ab',
      'a'.repeat(256),
      'teo table',
      '$teo',
      'teo$',
      'arn:aws:dynamodb:eu-west-1:123456789012:table/t',
    ])('refuses %s', (table) => {
      expect(problemsWith({ ROTATOR_TABLE: table })).toEqual([
        'ROTATOR_TABLE must be a DynamoDB table name: 3 to 255 letters, digits, _ . or -',
      ]);
    });
  });

  describe('ROTATOR_EVENT_BUS', () => {
    it.each([
      'default',
      'ops/rotations.v1',
      'b'.repeat(256),
      'arn:aws:events:eu-west-1:123456789012:event-bus/ops',
      'arn:aws-cn:events:cn-north-1:123456789012:event-bus/ops',
    ])('takes %s', (bus) => {
      const loaded = loadConfig({ ...BASE, ROTATOR_EVENT_BUS: bus });

      expect(loaded.ok && loaded.config.eventBus).toBe(bus);
    });

    it('publishes nothing when empty', () => {
      const loaded = loadConfig({ ...BASE, ROTATOR_EVENT_BUS: '' });

      expect(loaded.ok && loaded.config.eventBus).toBeUndefined();
    });

    it.each([
      'b'.repeat(257),
      'ops bus',
      'ops:bus',
      'arn:aws:events:eu-west-1:12345678901:event-bus/ops',
      'arn:aws:events:eu-west-1:123456789012:rule/ops',
      'arn:aws:events::123456789012:event-bus/ops',
      'arn:aws:events:eu-west-1:123456789012:event-bus/ops bus',
      'xarn:aws:events:eu-west-1:123456789012:event-bus/ops',
    ])('refuses %s', (bus) => {
      expect(problemsWith({ ROTATOR_EVENT_BUS: bus })).toEqual([
        'ROTATOR_EVENT_BUS must be an EventBridge bus name (such as default) or its ARN',
      ]);
    });
  });

  describe('ROTATOR_CLIENTS', () => {
    it.each([
      ['not JSON', { ROTATOR_CLIENTS: '[{' }, 'ROTATOR_CLIENTS is not valid JSON'],
      ['an object', { ROTATOR_CLIENTS: '{}' }, 'ROTATOR_CLIENTS must be a non-empty JSON array of callers'],
      ['empty', { ROTATOR_CLIENTS: '[]' }, 'ROTATOR_CLIENTS must be a non-empty JSON array of callers'],
      [
        'an entry with no credential',
        clients({ name: 'a', zones: ['*'] }),
        'ROTATOR_CLIENTS[0] ("a"): must have exactly one of tokenSha256, webhookSecrets or iamPrincipals',
      ],
      [
        'an entry with two kinds of credential',
        clients({
          name: 'a',
          zones: ['*'],
          tokenSha256: [opsDigest],
          iamPrincipals: ['arn:aws:iam::1:user/x'],
        }),
        'ROTATOR_CLIENTS[0] ("a"): must have exactly one of tokenSha256, webhookSecrets or iamPrincipals',
      ],
      [
        'a digest that is not 64 hex characters',
        clients({ name: 'a', zones: ['*'], tokenSha256: [OPS_TOKEN] }),
        'ROTATOR_CLIENTS[0] ("a"): each tokenSha256 must be 64 hex characters',
      ],
      [
        'a misspelt field',
        clients({ name: 'a', zones: ['*'], tokenSHA256: [opsDigest] }),
        'ROTATOR_CLIENTS[0] ("a"): has a field other than name, zones, tokenSha256, webhookSecrets and iamPrincipals',
      ],
      [
        'a field given twice, which JSON.parse would silently merge',
        {
          ROTATOR_CLIENTS: `[{"name":"a","zones":["*"],"tokenSha256":["${opsDigest}"]},{"name":"b","zones":["zone-abc"],"tokenSha256":["${sha256Hex('b')}"],"zones":["*"]}]`,
        },
        'ROTATOR_CLIENTS[1] gives a field twice: JSON would silently keep only the last',
      ],
      [
        'a field repeated inside a nested object',
        { ROTATOR_CLIENTS: `[{"name":"a","zones":["*"],"tokenSha256":["${opsDigest}"],"x":{"k":1,"k":2}}]` },
        'ROTATOR_CLIENTS[0] gives a field twice: JSON would silently keep only the last',
      ],
      [
        'a name that is not a valid name, which is not quoted',
        clients({ name: 'AKIDsecret pasted here', zones: ['*'], tokenSha256: [opsDigest] }),
        'ROTATOR_CLIENTS[0]: name must be 1 to 64 letters, digits, dots, dashes or underscores',
      ],
      [
        'a bad zone id',
        clients({ name: 'a', zones: ['zone-OK'], tokenSha256: [opsDigest] }),
        `ROTATOR_CLIENTS[0] ("a"): zones must be ["*"] or a list of zone ids ('zone-' followed by 1 to 64 lower-case letters or digits)`,
      ],
      [
        '"*" mixed with zone ids',
        clients({ name: 'a', zones: ['*', 'zone-abc'], tokenSha256: [opsDigest] }),
        `ROTATOR_CLIENTS[0] ("a"): zones must be ["*"] or a list of zone ids ('zone-' followed by 1 to 64 lower-case letters or digits)`,
      ],
      [
        'an empty token list',
        clients({ name: 'a', zones: ['*'], tokenSha256: [] }),
        'ROTATOR_CLIENTS[0] ("a"): tokenSha256 must not be empty',
      ],
      [
        'a token list that is no list',
        clients({ name: 'a', zones: ['*'], tokenSha256: opsDigest }),
        'ROTATOR_CLIENTS[0] ("a"): tokenSha256 must be a list',
      ],
      [
        'zones that are neither "*" nor a list',
        clients({ name: 'a', zones: 5, tokenSha256: [opsDigest] }),
        `ROTATOR_CLIENTS[0] ("a"): zones must be ["*"] or a list of zone ids ('zone-' followed by 1 to 64 lower-case letters or digits)`,
      ],
      [
        'webhook secrets that are no list',
        clients({ name: 'a', zones: ['*'], webhookSecrets: 'whsec_x' }),
        'ROTATOR_CLIENTS[0] ("a"): webhookSecrets must be a list',
      ],
      [
        'a webhook secret that is not a string',
        clients({ name: 'a', zones: ['*'], webhookSecrets: [7] }),
        'ROTATOR_CLIENTS[0] ("a"): each webhook secret must be a string',
      ],
      [
        'IAM principals that are no list',
        clients({ name: 'a', zones: ['*'], iamPrincipals: 'arn:aws:iam::123456789012:role/x' }),
        'ROTATOR_CLIENTS[0] ("a"): iamPrincipals must be a list',
      ],
      [
        'an IAM principal that is not a string',
        clients({ name: 'a', zones: ['*'], iamPrincipals: [7] }),
        'ROTATOR_CLIENTS[0] ("a"): each IAM principal must be a string',
      ],
      [
        'a digest that is not a string',
        clients({ name: 'a', zones: ['*'], tokenSha256: [12345] }),
        'ROTATOR_CLIENTS[0] ("a"): each tokenSha256 must be 64 hex characters',
      ],
      [
        'a missing name',
        clients({ zones: ['*'], tokenSha256: [opsDigest] }),
        'ROTATOR_CLIENTS[0]: "name" is required',
      ],
      [
        'an entry that is text, which is not quoted',
        { ROTATOR_CLIENTS: '["AKIDpasted"]' },
        'ROTATOR_CLIENTS[0]: must be an object',
      ],
      ['a null entry', { ROTATOR_CLIENTS: '[null]' }, 'ROTATOR_CLIENTS[0]: must be an object'],
      [
        'a name that is a number',
        clients({ name: 7, zones: ['*'], tokenSha256: [opsDigest] }),
        'ROTATOR_CLIENTS[0]: name must be a string',
      ],
      [
        'a name given as a list, which is not quoted though its text would be a valid name',
        clients({ name: ['ops'], zones: ['*'], tokenSha256: [opsDigest] }),
        'ROTATOR_CLIENTS[0]: name must be a string',
      ],
      [
        'a duplicated name',
        clients(
          { name: 'a', zones: ['*'], tokenSha256: [opsDigest] },
          { name: 'a', zones: ['*'], tokenSha256: [sha256Hex('other')] },
        ),
        'ROTATOR_CLIENTS: the name "a" is used by more than one caller',
      ],
      [
        'one token for two callers',
        clients(
          { name: 'a', zones: ['*'], tokenSha256: [opsDigest] },
          { name: 'b', zones: ['*'], tokenSha256: [opsDigest.toUpperCase()] },
        ),
        'ROTATOR_CLIENTS: callers "a" and "b" list the same tokenSha256 digest',
      ],
    ])('reports %s', (_, env, problem) => {
      expect(problemsWith(env)).toEqual([problem]);
    });

    it('takes a caller that lists one digest twice: one caller, not two sharing a token', () => {
      expect(problemsWith(clients({ name: 'a', zones: ['*'], tokenSha256: [opsDigest, opsDigest] }))).toEqual(
        [],
      );
    });

    it.each([
      [
        'without the whsec_ prefix',
        'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'each webhook secret must start with whsec_',
      ],
      ['not base64', 'whsec_not base64!', 'each webhook secret must be whsec_ followed by standard base64'],
      [
        'whose base64 is cut short (not a whole number of 4-character groups)',
        `whsec_${Buffer.alloc(30, 7).toString('base64').slice(0, -1)}`,
        'each webhook secret must be whsec_ followed by standard base64',
      ],
      [
        'shorter than 24 bytes',
        'whsec_c2hvcnQtc2VjcmV0',
        'each webhook secret must decode to at least 24 bytes',
      ],
    ])('reports a webhook secret %s, naming the caller', (_, secret, problem) => {
      const problems = problemsWith(clients({ name: 'hook', zones: ['*'], webhookSecrets: [secret] }));

      expect(problems).toEqual([`ROTATOR_CLIENTS[0] ("hook"): ${problem}`]);
      expect(problems.join()).not.toContain(secret);
    });

    it.each([
      'arn:aws:iam::123456789012:root',
      'arn:aws:sts::123456789012:assumed-role/rotator-ci/session',
      'arn:aws:iam::12345678901:role/rotator-ci',
      'arn:aws:iam::123456789012:role/',
      'arn:aws:iam::123456789012:group/admins',
      'rotator-ci',
    ])('reports the IAM principal %s, naming the caller', (arn) => {
      expect(problemsWith(clients({ name: 'ci', zones: ['*'], iamPrincipals: [arn] }))).toEqual([
        'ROTATOR_CLIENTS[0] ("ci"): each IAM principal must be a role or user ARN: arn:aws:iam::<12-digit account>:role/<name> or :user/<name>',
      ]);
    });

    it.each([
      ['webhook secret', { webhookSecrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] }],
      ['IAM principal', { iamPrincipals: ['arn:aws:iam::123456789012:role/rotator-ci'] }],
    ])('reports one %s listed by two callers', (what, credential) => {
      expect(
        problemsWith(
          clients({ name: 'a', zones: ['*'], ...credential }, { name: 'b', zones: ['*'], ...credential }),
        ),
      ).toEqual([`ROTATOR_CLIENTS: callers "a" and "b" list the same ${what}`]);
    });

    it('treats a role listed with and without a path as one principal: sessions carry only its name', () => {
      const problems = problemsWith(
        clients(
          { name: 'a', zones: ['*'], iamPrincipals: ['arn:aws:iam::123456789012:role/rotator-ci'] },
          { name: 'b', zones: ['*'], iamPrincipals: ['arn:aws:iam::123456789012:role/teams/rotator-ci'] },
        ),
      );

      expect(problems).toEqual(['ROTATOR_CLIENTS: callers "a" and "b" list the same IAM principal']);
    });

    it('never repeats a credential in a problem', () => {
      const problems = problemsWith(
        clients({ name: 'a', zones: ['*'], tokenSha256: [OPS_TOKEN, 'x'.repeat(64)] }),
      );

      expect(problems.join('\n')).not.toContain(OPS_TOKEN);
      expect(problems.join('\n')).not.toContain('x'.repeat(64));
    });
  });
});

describe('parseTeoEndpoint', () => {
  it.each([
    ['https://teo.intl.tencentcloudapi.com', { protocol: 'https:', host: 'teo.intl.tencentcloudapi.com' }],
    ['https://teo.tencentcloudapi.com/', { protocol: 'https:', host: 'teo.tencentcloudapi.com' }],
    [
      'https://teo.ap-guangzhou.tencentcloudapi.com',
      { protocol: 'https:', host: 'teo.ap-guangzhou.tencentcloudapi.com' },
    ],
    [
      'http://127.0.0.1:9000',
      { protocol: 'http:', host: 'teo.intl.tencentcloudapi.com:9000', dialAddress: '127.0.0.1' },
    ],
    [
      'http://127.0.0.10:9000',
      { protocol: 'http:', host: 'teo.intl.tencentcloudapi.com:9000', dialAddress: '127.0.0.10' },
    ],
    [
      'http://localhost:9000',
      { protocol: 'http:', host: 'teo.intl.tencentcloudapi.com:9000', dialAddress: '127.0.0.1' },
    ],
    [
      'http://[::1]:9000',
      { protocol: 'http:', host: 'teo.intl.tencentcloudapi.com:9000', dialAddress: '::1' },
    ],
  ])('accepts %s', (raw, endpoint) => {
    expect(parseTeoEndpoint(raw)).toEqual(endpoint);
  });

  it('dials port 80 for a loopback endpoint without a port', () => {
    expect(parseTeoEndpoint('http://127.0.0.1')).toEqual({
      protocol: 'http:',
      host: 'teo.intl.tencentcloudapi.com:80',
      dialAddress: '127.0.0.1',
    });
  });

  const BARE_ORIGIN =
    'TEO_ENDPOINT must be a bare origin such as https://teo.intl.tencentcloudapi.com (no path, query or user info)';
  const TENCENT_OR_LOOPBACK =
    'TEO_ENDPOINT must be https://teo.<region>.tencentcloudapi.com or an http:// loopback URL (the emulator)';
  it.each([
    // The body carries the key: clear text only on loopback.
    ['http://teo.intl.tencentcloudapi.com', TENCENT_OR_LOOPBACK],
    ['http://10.0.0.5:9000', TENCENT_OR_LOOPBACK],
    ['http://127.0.0.1.evil.example:9000', TENCENT_OR_LOOPBACK],
    ['http://notlocalhost:9000', TENCENT_OR_LOOPBACK],
    ['https://teo.intl.tencentcloudapi.com.evil.example', TENCENT_OR_LOOPBACK],
    ['https://xteo.intl.tencentcloudapi.com', TENCENT_OR_LOOPBACK],
    ['https://cvm.tencentcloudapi.com', TENCENT_OR_LOOPBACK],
    ['https://127.0.0.1:9000', TENCENT_OR_LOOPBACK],
    ['https://teo.intl.tencentcloudapi.com/v3', BARE_ORIGIN],
    ['https://teo.intl.tencentcloudapi.com/?region=x', BARE_ORIGIN],
    ['https://teo.intl.tencentcloudapi.com/#x', BARE_ORIGIN],
    ['https://user:pass@teo.intl.tencentcloudapi.com', BARE_ORIGIN],
    ['https://user@teo.intl.tencentcloudapi.com', BARE_ORIGIN],
    ['https://:pass@teo.intl.tencentcloudapi.com', BARE_ORIGIN],
    ['teo.intl.tencentcloudapi.com', 'TEO_ENDPOINT is not a URL'],
  ])('refuses %s, saying why', (raw, problem) => {
    expect(parseTeoEndpoint(raw)).toBe(problem);
  });
});

describe('agentFor', () => {
  const lookedUp = (endpoint: TeoEndpoint, all: boolean) =>
    new Promise<unknown[]>((done) => {
      const { lookup } = (agentFor(endpoint) as unknown as { options: { lookup: LookupFunction } }).options;
      lookup('teo.intl.tencentcloudapi.com', { all }, (...answer: unknown[]) => done(answer));
    });

  it("dials a loopback endpoint's own address, IPv4 or IPv6, whatever the host it is signed for", async () => {
    const v4 = parseTeoEndpoint('http://127.0.0.1:9000') as TeoEndpoint;
    const v6 = parseTeoEndpoint('http://[::1]:9000') as TeoEndpoint;

    expect(await lookedUp(v4, false)).toEqual([null, '127.0.0.1', 4]);
    expect(await lookedUp(v4, true)).toEqual([null, [{ address: '127.0.0.1', family: 4 }]]);
    expect(await lookedUp(v6, false)).toEqual([null, '::1', 6]);
  });

  it("keeps connections alive, and leaves Tencent's host to DNS over HTTPS", () => {
    const tencent = agentFor(parseTeoEndpoint('https://teo.intl.tencentcloudapi.com') as TeoEndpoint);
    const loopback = agentFor(parseTeoEndpoint('http://127.0.0.1:9000') as TeoEndpoint);

    expect(tencent).toBeInstanceOf(https.Agent);
    expect((tencent as unknown as { keepAlive: boolean }).keepAlive).toBe(true);
    expect((tencent as unknown as { options: { lookup?: unknown } }).options.lookup).toBeUndefined();
    expect((loopback as unknown as { keepAlive: boolean }).keepAlive).toBe(true);
  });
});

describe('loadSecretsManagerConfig', () => {
  const smLoad = (env: Record<string, string | undefined>) =>
    loadSecretsManagerConfig({ ...BASE, ROTATOR_CLIENTS: undefined, ...env });

  it.each([
    ['zone-abc', new Set(['zone-abc'])],
    ['zone-abc, zone-def', new Set(['zone-abc', 'zone-def'])],
  ])('reads ROTATOR_SM_ZONES=%j', (raw, zones) => {
    const loaded = smLoad({ ROTATOR_SM_ZONES: raw });

    expect(loaded.ok && loaded.config.zones).toEqual(zones);
  });

  it.each([undefined, '', ' '])('refuses ROTATOR_SM_ZONES=%j: the function has nothing to rotate', (raw) => {
    expect(smLoad({ ROTATOR_SM_ZONES: raw })).toEqual({
      ok: false,
      problems: ['ROTATOR_SM_ZONES is not set'],
    });
  });

  it.each(['*', ' * ', 'zone-abc,', 'zone-ABC', '*,zone-abc', 'all'])(
    'refuses ROTATOR_SM_ZONES=%j',
    (raw) => {
      expect(smLoad({ ROTATOR_SM_ZONES: raw })).toEqual({
        ok: false,
        problems: [
          `ROTATOR_SM_ZONES must be a comma-separated list of zone ids ('zone-' followed by 1 to 64 lower-case letters or digits): each zone has one writer, so the zones the Secrets Manager rotation writes are named`,
        ],
      });
    },
  );

  it('binds secrets to their zone under teo-key-rotator/zones/ unless ROTATOR_SM_SECRET_PREFIX says otherwise', () => {
    const byDefault = smLoad({ ROTATOR_SM_ZONES: 'zone-abc' });
    const custom = smLoad({ ROTATOR_SM_ZONES: 'zone-abc', ROTATOR_SM_SECRET_PREFIX: 'gateways/prod/' });

    expect(byDefault.ok && byDefault.config.secretPrefix).toBe('teo-key-rotator/zones/');
    expect(custom.ok && custom.config.secretPrefix).toBe('gateways/prod/');
  });

  it('refuses a ROTATOR_SM_SECRET_PREFIX that no secret name could start with', () => {
    expect(smLoad({ ROTATOR_SM_ZONES: 'zone-abc', ROTATOR_SM_SECRET_PREFIX: 'a b' })).toEqual({
      ok: false,
      problems: ['ROTATOR_SM_SECRET_PREFIX must be a secret name prefix: letters, digits and /_+=.@-'],
    });
  });
});

describe('one writer per zone, refused at load where the configuration shows two', () => {
  const binding = (zone: string) => ({
    zone,
    source: { kind: 'doppler', project: 'p', config: 'c', name: 'N' },
  });
  const writers = {
    ROTATOR_SYNC_BINDINGS: JSON.stringify([binding('zone-sync1')]),
    ROTATOR_SM_ZONES: 'zone-sm1',
  };
  const problems = (loaded: { ok: boolean; problems?: readonly string[] }) =>
    loaded.ok ? [] : loaded.problems;
  const callers = (zones: string[]) =>
    JSON.stringify([{ name: 'ops', zones, tokenSha256: [sha256Hex(OPS_TOKEN)] }]);

  it('reads ROTATOR_SYNC_BINDINGS or ROTATOR_SM_ZONES of blanks as none, in the functions that only read them', () => {
    const loaded = loadConfig({ ...BASE, ROTATOR_SYNC_BINDINGS: '  ', ROTATOR_SM_ZONES: ' ' });

    expect(problems(loaded)).toEqual([]);
    expect(loaded.ok && loaded.config.writers).toMatchObject({
      bindings: [],
      secretsManagerZones: new Set(),
    });
  });

  it('refuses an HTTP caller granted, by name, a zone a sync binding or the Secrets Manager rotation writes', () => {
    const loaded = loadConfig({
      ...BASE,
      ...writers,
      ROTATOR_CLIENTS: callers(['zone-sync1', 'zone-free1', 'zone-sm1']),
    });

    expect(problems(loaded)).toEqual([
      "ROTATOR_CLIENTS: ops is granted zone-sync1, which ROTATOR_SYNC_BINDINGS makes another writer's: each zone has one writer",
      "ROTATOR_CLIENTS: ops is granted zone-sm1, which ROTATOR_SM_ZONES makes another writer's: each zone has one writer",
    ]);
  });

  it('admits a caller granted * beside other writers: each of its rotations is checked instead', () => {
    const loaded = loadConfig({ ...BASE, ...writers, ROTATOR_CLIENTS: callers(['*']) });

    expect(loaded.ok).toBe(true);
  });

  it('refuses a zone both bound to sync and rotated by Secrets Manager, in every function', () => {
    const both = { ...writers, ROTATOR_SM_ZONES: 'zone-sm1,zone-sync1' };
    const problem =
      'the zone zone-sync1 is bound in ROTATOR_SYNC_BINDINGS and listed in ROTATOR_SM_ZONES: each zone has one writer';

    expect(problems(loadConfig({ ...BASE, ...both }))).toEqual([problem]);
    expect(problems(loadSecretsManagerConfig({ ...BASE, ...both }))).toEqual([problem]);
    expect(problems(loadSyncConfig({ ...BASE, ...both, DOPPLER_TOKEN: 'dp.st.fake' }))).toEqual([problem]);
  });
});

describe('loadSyncConfig', () => {
  const doppler = { zone: 'zone-d1', source: { kind: 'doppler', project: 'p', config: 'c', name: 'N' } };
  const infisical = {
    zone: 'zone-i1',
    source: { kind: 'infisical', projectId: 'p', environment: 'prod', name: 'N' },
  };
  const SYNC = {
    TENCENTCLOUD_SECRET_ID: TENCENT_SECRET_ID,
    TENCENTCLOUD_SECRET_KEY: TENCENT_SECRET_KEY,
    ROTATOR_FINGERPRINT_KEY: FINGERPRINT_KEY,
    ROTATOR_SYNC_BINDINGS: JSON.stringify([doppler, infisical]),
    DOPPLER_TOKEN: 'dp.st.fake',
    INFISICAL_CLIENT_ID: 'id-fake',
    INFISICAL_CLIENT_SECRET: 'secret-fake',
  };
  const problems = (env: Record<string, string | undefined>) => {
    const loaded = loadSyncConfig({ ...SYNC, ...env });
    return loaded.ok ? [] : loaded.problems;
  };

  it('paces TEO at 8 calls a second per action and takes 4 bindings at once, unless told otherwise', () => {
    const defaults = loadSyncConfig(SYNC);
    const told = loadSyncConfig({ ...SYNC, ROTATOR_SYNC_TEO_RATE: '20', ROTATOR_SYNC_CONCURRENCY: '1' });

    expect(defaults.ok && defaults.config.pacing).toEqual({ teoRatePerSecond: 8, concurrency: 4 });
    expect(told.ok && told.config.pacing).toEqual({ teoRatePerSecond: 20, concurrency: 1 });
    const blank = loadSyncConfig({ ...SYNC, ROTATOR_SYNC_TEO_RATE: '', ROTATOR_SYNC_CONCURRENCY: '' });
    expect(blank.ok && blank.config.pacing).toEqual({ teoRatePerSecond: 8, concurrency: 4 });
  });

  it.each([
    ['ROTATOR_SYNC_TEO_RATE', '21', 'ROTATOR_SYNC_TEO_RATE must be a whole number from 1 to 20'],
    ['ROTATOR_SYNC_TEO_RATE', '0', 'ROTATOR_SYNC_TEO_RATE must be a whole number from 1 to 20'],
    ['ROTATOR_SYNC_TEO_RATE', '7.5', 'ROTATOR_SYNC_TEO_RATE must be a whole number from 1 to 20'],
    ['ROTATOR_SYNC_CONCURRENCY', '33', 'ROTATOR_SYNC_CONCURRENCY must be a whole number from 1 to 32'],
    ['ROTATOR_SYNC_CONCURRENCY', 'four', 'ROTATOR_SYNC_CONCURRENCY must be a whole number from 1 to 32'],
  ])('refuses %s=%s, naming the rule', (name, value, problem) => {
    expect(problems({ [name]: value })).toEqual([problem]);
  });

  it('takes the bounds themselves: 1 and 20 calls a second, 1 and 32 bindings at once', () => {
    for (const [rate, concurrency] of [
      ['1', '1'],
      ['20', '32'],
    ]) {
      expect(problems({ ROTATOR_SYNC_TEO_RATE: rate, ROTATOR_SYNC_CONCURRENCY: concurrency })).toEqual([]);
    }
  });

  it("hands the managers' credentials and the webhook secrets on, an empty secret as none", () => {
    const loaded = loadSyncConfig({
      ...SYNC,
      DOPPLER_WEBHOOK_SECRET: 'whsec-d',
      INFISICAL_WEBHOOK_SECRET: '',
    });

    expect(loaded.ok && loaded.config.managers).toEqual({
      dopplerToken: 'dp.st.fake',
      infisicalClientId: 'id-fake',
      infisicalClientSecret: 'secret-fake',
    });
    expect(loaded.ok && loaded.config.webhookSecrets).toEqual({ doppler: 'whsec-d', infisical: undefined });
    expect(loaded.ok && loaded.config.bindings.map(({ zoneId }) => zoneId)).toEqual(['zone-d1', 'zone-i1']);
  });

  it.each([
    ['INFISICAL_CLIENT_ID', { INFISICAL_CLIENT_ID: '' }],
    ['INFISICAL_CLIENT_SECRET', { INFISICAL_CLIENT_SECRET: undefined }],
  ])('requires %s when a binding reads Infisical', (_, env) => {
    expect(problems(env)).toEqual([
      'INFISICAL_CLIENT_ID and INFISICAL_CLIENT_SECRET are not set, and a binding reads Infisical',
    ]);
  });

  it("requires no manager's credentials that no binding reads", () => {
    const loaded = loadSyncConfig({
      ...SYNC,
      ROTATOR_SYNC_BINDINGS: '[]',
      DOPPLER_TOKEN: undefined,
      INFISICAL_CLIENT_ID: undefined,
      INFISICAL_CLIENT_SECRET: undefined,
    });

    expect(loaded.ok).toBe(true);
  });

  it('reports the bindings’ problems with the others', () => {
    expect(problems({ TENCENTCLOUD_SECRET_KEY: '', ROTATOR_SYNC_BINDINGS: '{' })).toEqual([
      'TENCENTCLOUD_SECRET_KEY is not set',
      'ROTATOR_SYNC_BINDINGS is not valid JSON',
    ]);
  });
});

describe('TENCENT_AUTH: how the functions get their Tencent credentials', () => {
  const KEYLESS = {
    ...BASE,
    TENCENTCLOUD_SECRET_ID: undefined,
    TENCENTCLOUD_SECRET_KEY: undefined,
    TENCENT_AUTH: 'oidc',
    TENCENT_OIDC_PROVIDER_ID: 'aws-lambda',
    TENCENT_ROLE_ARN: 'qcs::cam::uin/100000000001:roleName/teo-key-rotator',
    TENCENT_OIDC_AUDIENCE: 'sts.tencentcloudapi.com',
    TENCENT_STS_REGION: 'ap-singapore',
  };
  const keyless = (changes: Record<string, string | undefined> = {}) =>
    loadConfig({ ...KEYLESS, ...changes });
  const problems = (changes: Record<string, string | undefined>) => {
    const loaded = keyless(changes);
    return loaded.ok ? [] : loaded.problems;
  };

  it('is the key pair unless it says oidc', () => {
    const loaded = loadConfig(BASE);

    expect(loaded.ok && loaded.config.teo.credentials).toEqual({
      secretId: TENCENT_SECRET_ID,
      secretKey: TENCENT_SECRET_KEY,
    });
    expect(problemsWith({ TENCENT_AUTH: 'password' })).toEqual([
      'TENCENT_AUTH must be key-pair (the default) or oidc',
    ]);
  });

  it("keyless, holds the provider, the role, the audience and Tencent's STS on TEO's site, and no secret", () => {
    const loaded = keyless();

    expect(loaded.ok && loaded.config.teo.credentials).toEqual({
      oidc: {
        providerId: 'aws-lambda',
        roleArn: 'qcs::cam::uin/100000000001:roleName/teo-key-rotator',
        audience: 'sts.tencentcloudapi.com',
        stsRegion: 'ap-singapore',
        stsEndpoint: new URL('https://sts.intl.tencentcloudapi.com/'),
      },
    });
    const china = keyless({ TEO_ENDPOINT: 'https://teo.tencentcloudapi.com' });
    expect(china.ok && china.config.teo.credentials).toMatchObject({
      oidc: { stsEndpoint: new URL('https://sts.tencentcloudapi.com/') },
    });
  });

  it('refuses a key pair beside it, naming the variables and never their values', () => {
    const found = problems({
      TENCENTCLOUD_SECRET_KEY: TENCENT_SECRET_KEY,
      TENCENTCLOUD_SESSION_TOKEN: 'tok',
    });

    expect(found).toEqual([
      'TENCENT_AUTH=oidc holds no key: unset TENCENTCLOUD_SECRET_KEY, TENCENTCLOUD_SESSION_TOKEN (a key beside it would be a key to leak)',
    ]);
    expect(problems({ TENCENTCLOUD_SECRET_ID: TENCENT_SECRET_ID })).toEqual([
      'TENCENT_AUTH=oidc holds no key: unset TENCENTCLOUD_SECRET_ID (a key beside it would be a key to leak)',
    ]);
  });

  it('names every missing or malformed variable at once', () => {
    expect(
      problems({
        TENCENT_OIDC_PROVIDER_ID: undefined,
        TENCENT_ROLE_ARN: 'arn:aws:iam::123456789012:role/x',
        TENCENT_OIDC_AUDIENCE: 'x'.repeat(65),
        TENCENT_STS_REGION: 'Singapore',
      }),
    ).toEqual([
      "TENCENT_OIDC_PROVIDER_ID is not set (TENCENT_AUTH=oidc): CAM's name of the OIDC provider",
      'TENCENT_ROLE_ARN must be a CAM role ARN: qcs::cam::uin/<uin>:roleName/<name>',
      "TENCENT_OIDC_AUDIENCE must be one of the provider's client ids: up to 64 letters, digits and . - _ : /",
      'TENCENT_STS_REGION must be a Tencent Cloud region such as ap-singapore',
    ]);
  });

  it.each([
    ['TENCENT_OIDC_PROVIDER_ID', '!aws-lambda'],
    ['TENCENT_OIDC_PROVIDER_ID', 'aws-lambda!'],
    ['TENCENT_ROLE_ARN', 'x qcs::cam::uin/100000000001:roleName/teo-key-rotator'],
    ['TENCENT_ROLE_ARN', 'qcs::cam::uin/100000000001:roleName/teo-key-rotator x'],
    ['TENCENT_STS_REGION', 'xap-singapore!'],
    ['TENCENT_STS_REGION', 'ap-singapore-'],
    ['TENCENT_STS_REGION', 'ap-singapore-fsi-1'],
  ])('refuses %s with anything around the value: %s', (name, value) => {
    expect(problems({ [name]: value })).toEqual([expect.stringMatching(new RegExp(`^${name} must be`))]);
  });

  it('reports an invalid TEO_ENDPOINT, and the STS it cannot derive from it, without failing', () => {
    expect(problems({ TEO_ENDPOINT: 'ftp://teo.intl.tencentcloudapi.com' })).toEqual([
      expect.stringMatching(/^TENCENT_STS_ENDPOINT is not set/),
      expect.stringMatching(/^TEO_ENDPOINT must be/),
    ]);
  });

  it('takes a region with a number or a zone type, such as na-ashburn-1 and ap-shanghai-fsi', () => {
    expect(problems({ TENCENT_STS_REGION: 'na-ashburn-1' })).toEqual([]);
    expect(problems({ TENCENT_STS_REGION: 'ap-shanghai-fsi' })).toEqual([]);
  });

  it("takes a named STS only on TEO's site, or on loopback, and needs one beside an emulated TEO", () => {
    expect(problems({ TENCENT_STS_ENDPOINT: 'https://sts.tencentcloudapi.com' })).toEqual([
      "TENCENT_STS_ENDPOINT must be on TEO_ENDPOINT's site (both intl, or neither)",
    ]);
    const china = keyless({
      TEO_ENDPOINT: 'https://teo.tencentcloudapi.com',
      TENCENT_STS_ENDPOINT: 'https://sts.intl.tencentcloudapi.com',
    });
    expect(china.ok ? [] : china.problems).toEqual([
      "TENCENT_STS_ENDPOINT must be on TEO_ENDPOINT's site (both intl, or neither)",
    ]);
    for (const raw of [
      'http://sts.intl.tencentcloudapi.com',
      'https://xsts.intl.tencentcloudapi.com',
      'https://cam.intl.tencentcloudapi.com',
      'https://sts.intl.tencentcloudapi.com.evil.example',
      'https://127.0.0.1:9001',
      'http://10.0.0.1:9001',
    ]) {
      expect(problems({ TENCENT_STS_ENDPOINT: raw })).toEqual([
        'TENCENT_STS_ENDPOINT must be https://sts.<site>.tencentcloudapi.com or an http:// loopback URL',
      ]);
    }
    expect(problems({ TENCENT_STS_ENDPOINT: 'https://sts.example.com' })).toEqual([
      'TENCENT_STS_ENDPOINT must be https://sts.<site>.tencentcloudapi.com or an http:// loopback URL',
    ]);
    expect(problems({ TENCENT_STS_ENDPOINT: 'not a url' })).toEqual(['TENCENT_STS_ENDPOINT is not a URL']);
    expect(problems({ TENCENT_STS_ENDPOINT: 'https://sts.intl.tencentcloudapi.com' })).toEqual([]);
    expect(problems({ TEO_ENDPOINT: 'http://127.0.0.1:9000' })).toEqual([
      'TENCENT_STS_ENDPOINT is not set: with TEO_ENDPOINT on loopback (an emulator), name its STS too',
    ]);
    expect(
      problems({ TEO_ENDPOINT: 'http://127.0.0.1:9000', TENCENT_STS_ENDPOINT: 'http://127.0.0.1:9001' }),
    ).toEqual([]);
  });
});
