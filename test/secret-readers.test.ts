// Reading bound secrets from their managers (docs/contract.md §8), against a scripted manager on loopback: what is
// asked of each API (one request per Doppler config, per Infisical folder, per 20 Secrets Manager secrets), what is
// taken from its answer, each way it can fail, named without any value or token, and a rate limit's refusal told
// apart with the time it asks to wait.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { createSecretReaders, type ManagerCredentials } from '#lib/adapters/managers/secret-readers.ts';
import type { SecretLocation } from '#lib/domain/sync/binding.ts';
import { type SecretReaders, SourceThrottled, SourceUnavailable } from '#lib/domain/sync/secret-source.ts';
import {
  type RecordedRequest,
  type RecordingServer,
  startRecordingServer,
} from './support/recording-server.ts';

interface Scripted {
  status?: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

/** The next answers, in order; or, when set, an answer made from the request (for requests sent side by side). */
let script: Scripted[] = [];
let route: ((request: RecordedRequest) => Scripted) | undefined;
let server: RecordingServer;
let base: string;
let seen: RecordedRequest[];

beforeAll(async () => {
  server = await startRecordingServer((request, response) => {
    const { status = 200, json, text, headers } = route?.(request) ?? script.shift() ?? { status: 599 };
    response
      .writeHead(status, { 'content-type': 'application/json', ...headers })
      .end(text ?? JSON.stringify(json));
  });
  base = server.base;
  seen = server.seen;
});
afterAll(() => server.close());
beforeEach(() => {
  seen.length = 0;
  script = [];
  route = undefined;
});

const CREDENTIALS: ManagerCredentials = {
  dopplerToken: 'dp.st.fake-test-token',
  infisicalClientId: 'client-id-fake',
  infisicalClientSecret: 'client-secret-fake',
};
let clock = 1_750_000_000_000;
const readers = (credentials: ManagerCredentials = CREDENTIALS) =>
  createSecretReaders(credentials, {
    aws: awsJsonClient('secretsmanager', {
      env: {
        AWS_ENDPOINT_URL_SECRETS_MANAGER: base,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'fake-test-key',
        AWS_SECRET_ACCESS_KEY: 'fake-test-secret',
      },
      // The AWS client's own retries wait on this clock, not in real time.
      clock: { now: () => clock, random: () => 0.5, sleep: async () => undefined },
    }),
    now: () => clock,
  });

/** One source's read: its value, or the reason it could not be had, thrown. */
async function read(source: SecretLocation, reader: SecretReaders = readers()) {
  const [outcome] = await reader.readAll([source]);
  if (outcome instanceof Error) throw outcome;
  return outcome;
}

const failure = (reason: string) => expect.objectContaining({ name: 'SourceUnavailable', message: reason });
const query = (request: RecordedRequest | undefined) =>
  Object.fromEntries(new URL(request?.url ?? '/', base).searchParams);

describe('Doppler', () => {
  const source = (name = 'TEO_KEY', config = 'prd'): SecretLocation => ({
    kind: 'doppler',
    apiUrl: base,
    project: 'gateways',
    config,
    name,
  });
  const listed = (values: Record<string, unknown>) => ({
    json: {
      success: true,
      secrets: Object.fromEntries(
        Object.entries(values).map(([name, computed]) => [name, { raw: `raw-${name}`, computed, note: '' }]),
      ),
    },
  });

  it("reads value.computed of the named secrets from the config's list, with the service token", async () => {
    script = [listed({ TEO_KEY: 'the-value' })];

    await expect(read(source())).resolves.toEqual({ value: 'the-value' });

    expect(seen).toEqual([
      expect.objectContaining({
        method: 'GET',
        url: '/v3/configs/config/secrets?project=gateways&config=prd&include_dynamic_secrets=false&secrets=TEO_KEY',
      }),
    ]);
    expect(seen[0]?.headers.authorization).toBe('Bearer dp.st.fake-test-token');
    expect(seen[0]?.headers.accept).toBe('application/json');
  });

  it('reads every bound secret of a config in one request, and each config in its own', async () => {
    route = (request) =>
      query(request).config === 'prd'
        ? listed({ KEY_A: 'a', KEY_B: 'b', OTHER: 'not bound' })
        : listed({ KEY_A: 'staging-a' });

    const reads = await readers().readAll([
      source('KEY_A'),
      source('KEY_A', 'stg'),
      source('KEY_B'),
      source('KEY_A'),
    ]);

    expect(reads).toEqual([{ value: 'a' }, { value: 'staging-a' }, { value: 'b' }, { value: 'a' }]);
    expect(seen.map((request) => [query(request).config, query(request).secrets]).sort()).toEqual([
      ['prd', 'KEY_A,KEY_B'],
      ['stg', 'KEY_A'],
    ]);
  });

  it('fails only the bound secret the config does not have', async () => {
    script = [listed({ KEY_A: 'a', KEY_B: 7 })];

    const reads = await readers().readAll([source('KEY_A'), source('KEY_B'), source('KEY_C')]);

    expect(reads).toEqual([
      { value: 'a' },
      failure('Doppler: the config has no secret KEY_B'),
      failure('Doppler: the config has no secret KEY_C'),
    ]);
  });

  it.each([
    ['no secrets', { success: true }],
    ['secrets that are a list', { secrets: [{ computed: 'x' }] }],
    ['a body that is a list', [{ secrets: {} }]],
  ])('fails every secret of the config on an answer with %s', async (_, json) => {
    script = [{ json }];

    await expect(readers().readAll([source('KEY_A'), source('KEY_B')])).resolves.toEqual([
      failure('Doppler: the answer has no secrets'),
      failure('Doppler: the answer has no secrets'),
    ]);
  });

  it.each([300, 401, 404, 500])('fails on HTTP %i, naming the status only', async (status) => {
    script = [{ status, json: { messages: ['dp.st.fake-test-token is invalid'] } }];

    await expect(read(source())).rejects.toEqual(failure(`Doppler answered HTTP ${status}`));
  });

  it('takes any 2xx answer', async () => {
    script = [{ status: 299, ...listed({ TEO_KEY: 'v' }) }];

    await expect(read(source())).resolves.toMatchObject({ value: 'v' });
  });

  it('fails without asking when no service token is configured', async () => {
    await expect(read(source(), readers({ ...CREDENTIALS, dopplerToken: '' }))).rejects.toEqual(
      failure('Doppler: no service token is configured'),
    );
    expect(seen).toEqual([]);
  });

  it("clears each request's timeout as the request ends, answered or unreachable", async () => {
    // A timer left until it fires would keep each request in memory for seconds after its answer.
    script = [listed({ TEO_KEY: 'v' })];
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await read(source());
      const unreachable = { ...source(), apiUrl: 'http://127.0.0.1:9' };
      await expect(read(unreachable)).rejects.toThrow();

      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('fails, naming the kind of error, when Doppler cannot be reached', async () => {
    const unreachable = { ...source(), apiUrl: 'http://127.0.0.1:9' };

    const failed = read(unreachable);

    await expect(failed).rejects.toEqual(failure('Doppler could not be reached (Error)'));
    // What node:http said is kept for a debugger, never in the message that is logged.
    await expect(failed).rejects.toMatchObject({ cause: expect.objectContaining({ code: 'ECONNREFUSED' }) });
  });
});

describe("a manager's rate limit", () => {
  const doppler: SecretLocation = { kind: 'doppler', apiUrl: base, project: 'p', config: 'c', name: 'K' };
  const throttled = (retryAfterMs: number) =>
    expect.objectContaining({ name: 'SourceThrottled', message: 'Doppler answered HTTP 429', retryAfterMs });

  it.each([
    ['seconds', '17', 17_000],
    ['an HTTP date', new Date(1_750_000_042_000).toUTCString(), 42_000],
    ['a date already past', new Date(1_749_999_000_000).toUTCString(), 0],
    ['nothing it can read', 'soon', 1000],
  ])('is told apart from a failure, with the Retry-After it gave in %s', async (_, retryAfter, ms) => {
    clock = 1_750_000_000_000;
    script = [{ status: 429, headers: { 'retry-after': retryAfter }, json: {} }];

    const [outcome] = await readers().readAll([{ ...doppler, apiUrl: base }]);

    expect(outcome).toEqual(throttled(ms));
    expect(outcome).toBeInstanceOf(SourceUnavailable);
  });

  it('asks for a second when a 429 names no time', async () => {
    script = [{ status: 429, json: {} }];

    await expect(readers().readAll([{ ...doppler, apiUrl: base }])).resolves.toEqual([throttled(1000)]);
  });
});

describe('Infisical', () => {
  const source = (name = 'GATEWAY_KEY', secretPath = '/teo', siteUrl = base): SecretLocation => ({
    kind: 'infisical',
    siteUrl,
    projectId: 'proj-1',
    environment: 'prod',
    secretPath,
    name,
  });
  const login = (accessToken = 'token-1', expiresIn = 7200) => ({ json: { accessToken, expiresIn } });
  const folder = (values: Record<string, unknown>) => ({
    json: {
      secrets: Object.entries(values).map(([secretKey, secretValue]) => ({
        secretKey,
        secretValue,
        version: 3,
      })),
      imports: [],
    },
  });

  it("logs in with the machine identity, then reads the folder's secrets with its token", async () => {
    script = [login(), folder({ GATEWAY_KEY: 'the-value', OTHER: 'x' })];

    await expect(read(source())).resolves.toEqual({ value: 'the-value' });

    const [loggingIn, reading] = seen;
    expect(loggingIn).toMatchObject({ method: 'POST', url: '/api/v1/auth/universal-auth/login' });
    expect(loggingIn?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(loggingIn?.body ?? '')).toEqual({
      clientId: 'client-id-fake',
      clientSecret: 'client-secret-fake',
    });
    expect(reading).toMatchObject({
      method: 'GET',
      url: '/api/v4/secrets?projectId=proj-1&environment=prod&secretPath=%2Fteo',
    });
    expect(reading?.headers.authorization).toBe('Bearer token-1');
  });

  it('reads every bound secret of a folder in one request, and each folder in its own', async () => {
    route = (request) =>
      request.method === 'POST'
        ? login()
        : query(request).secretPath === '/teo'
          ? folder({ A: 'a', B: 'b' })
          : folder({ A: 'edge-a' });

    const reads = await readers().readAll([source('A'), source('A', '/edge'), source('B')]);

    expect(reads).toEqual([{ value: 'a' }, { value: 'edge-a' }, { value: 'b' }]);
    // One login, shared by the two folders' reads.
    expect(seen.filter(({ method }) => method === 'POST')).toHaveLength(1);
    const listing = seen.filter(({ method }) => method === 'GET');
    expect(listing.map((request) => query(request).secretPath).sort()).toEqual(['/edge', '/teo']);
  });

  it('fails only the bound secret the folder does not have, or has without a text value', async () => {
    script = [login(), { json: { secrets: [null, ...(folder({ A: 'a', B: 5 }).json.secrets as object[])] } }];

    await expect(readers().readAll([source('A'), source('B'), source('C')])).resolves.toEqual([
      { value: 'a' },
      failure(
        'Infisical: the folder has no secret B of its own (bind a secret where it lives, not a folder that imports it)',
      ),
      failure(
        'Infisical: the folder has no secret C of its own (bind a secret where it lives, not a folder that imports it)',
      ),
    ]);
  });

  it('keeps its token until a minute before it expires, then logs in again', async () => {
    const reader = readers();
    script = [login('token-1', 120), folder({ GATEWAY_KEY: 'v1' })];
    await read(source(), reader);

    clock += 59_999;
    script = [folder({ GATEWAY_KEY: 'v2' })];
    await read(source(), reader);

    clock += 1;
    script = [login('token-2', 120), folder({ GATEWAY_KEY: 'v3' })];
    await expect(read(source(), reader)).resolves.toMatchObject({ value: 'v3' });

    expect(seen.map(({ method, headers }) => `${method} ${headers.authorization ?? ''}`)).toEqual([
      'POST ',
      'GET Bearer token-1',
      'GET Bearer token-1',
      'POST ',
      'GET Bearer token-2',
    ]);
  });

  it('logs in again, once, when its token is refused before its time', async () => {
    const reader = readers();
    script = [login('token-1'), { status: 401 }, login('token-2'), folder({ GATEWAY_KEY: 'v' })];

    await expect(read(source(), reader)).resolves.toMatchObject({ value: 'v' });

    script = [{ status: 401 }, login('token-3'), { status: 401 }];
    await expect(read(source(), reader)).rejects.toEqual(failure('Infisical answered HTTP 401'));
    expect(seen.map(({ headers }) => headers.authorization ?? 'login')).toEqual([
      'login',
      'Bearer token-1',
      'login',
      'Bearer token-2',
      'Bearer token-2',
      'login',
      'Bearer token-3',
    ]);
  });

  it('is throttled, not failed, by a 429 on the read', async () => {
    script = [login(), { status: 429, headers: { 'retry-after': '3' }, json: {} }];

    await expect(readers().readAll([source()])).resolves.toEqual([
      expect.objectContaining({ name: 'SourceThrottled', retryAfterMs: 3000 }),
    ]);
  });

  it.each([
    ['no client id', { ...CREDENTIALS, infisicalClientId: undefined }],
    ['no client secret', { ...CREDENTIALS, infisicalClientSecret: '' }],
  ])('fails without asking when it has %s', async (_, credentials) => {
    await expect(read(source(), readers(credentials))).rejects.toEqual(
      failure('Infisical: no machine identity is configured'),
    );
    expect(seen).toEqual([]);
  });

  it.each([
    ['no accessToken', { expiresIn: 60 }],
    ['an accessToken that is not a string', { accessToken: 1, expiresIn: 60 }],
    ['no expiresIn', { accessToken: 't' }],
    ['a body that is not an object', 't'],
  ])('fails on a login answer with %s', async (_, json) => {
    script = [{ json }];

    await expect(read(source())).rejects.toEqual(failure('Infisical: the login answer has no accessToken'));
  });

  it('fails, naming the kind of error, when Infisical cannot be reached', async () => {
    await expect(read(source('GATEWAY_KEY', '/teo', 'http://127.0.0.1:9'))).rejects.toEqual(
      failure('Infisical could not be reached (Error)'),
    );
  });

  it('fails on a refused login, naming the status only', async () => {
    script = [{ status: 403, json: { message: 'client-secret-fake is wrong' } }];

    await expect(read(source())).rejects.toEqual(failure('Infisical answered HTTP 403'));
  });

  it.each([
    ['no secrets', { json: {} }],
    ['secrets that are not a list', { json: { secrets: { GATEWAY_KEY: 'v' } } }],
    ['a body that is not JSON', { text: 'v' }],
  ])('fails on an answer with %s', async (_, answer) => {
    script = [login(), answer];

    await expect(read(source())).rejects.toEqual(failure('Infisical: the answer has no secrets'));
  });

  it('fails on a read refused otherwise, naming the status only', async () => {
    script = [login(), { status: 404 }];

    await expect(read(source())).rejects.toEqual(failure('Infisical answered HTTP 404'));
  });
});

describe('Secrets Manager', () => {
  const arnOf = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;
  const ARN = arnOf('teo/zone-a1');
  const source = (field?: string, secretArn = ARN): SecretLocation => ({
    kind: 'aws-secrets-manager',
    secretArn,
    field,
  });
  const batch = (values: Record<string, unknown>, errors: Record<string, string> = {}) => ({
    json: {
      SecretValues: Object.entries(values).map(([id, SecretString]) => ({
        ARN: id,
        Name: id.replace(/^.*:secret:(.+)-\w{6}$/, '$1'),
        SecretString,
        CreatedDate: 1_750_000_000.1234,
      })),
      Errors: Object.entries(errors).map(([SecretId, ErrorCode]) => ({
        SecretId,
        ErrorCode,
        Message: `about ${SecretId}`,
      })),
    },
  });

  it('reads the SecretString of the secret through BatchGetSecretValue, and nothing else of it', async () => {
    script = [batch({ [ARN]: 'the-value' })];

    await expect(read(source())).resolves.toEqual({ value: 'the-value' });
    expect(seen[0]?.headers['x-amz-target']).toBe('secretsmanager.BatchGetSecretValue');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ SecretIdList: [ARN] });
  });

  it('reads 20 secrets a call, the calls side by side, and a secret bound twice once', async () => {
    const arns = Array.from({ length: 45 }, (_, at) => arnOf(`teo/zone-${at}`));
    route = ({ body }) => {
      const ids = JSON.parse(body).SecretIdList as string[];
      return batch(Object.fromEntries(ids.map((id) => [id, `value of ${id}`])));
    };

    const reads = await readers().readAll([...arns, arns[0] as string].map((arn) => source(undefined, arn)));

    expect(reads).toEqual([...arns, arns[0]].map((arn) => ({ value: `value of ${arn}` })));
    expect(seen.map(({ body }) => JSON.parse(body).SecretIdList.length).sort()).toEqual([20, 20, 5]);
  });

  it('reads one field of a JSON secret', async () => {
    script = [batch({ [ARN]: JSON.stringify({ TEO_KEY: 'the-value', other: 'x' }) })];

    await expect(read(source('TEO_KEY'))).resolves.toEqual({ value: 'the-value' });
  });

  it.each([
    ['absent', JSON.stringify({ other: 'x' })],
    ['not a string', JSON.stringify({ TEO_KEY: 5 })],
    ['in a secret that is not JSON', 'TEO_KEY=the-value'],
    ['in a secret that is a JSON list', JSON.stringify(['the-value'])],
  ])('gives an empty value, which no key can be, when the field is %s', async (_, SecretString) => {
    script = [batch({ [ARN]: SecretString })];

    await expect(read(source('TEO_KEY'))).resolves.toEqual({ value: '' });
  });

  it('fails on a secret with no SecretString', async () => {
    script = [{ json: { SecretValues: [{ ARN, SecretBinary: 'AAAA' }] } }];

    await expect(read(source())).rejects.toEqual(failure('Secrets Manager: the secret has no SecretString'));
  });

  it('fails each secret Secrets Manager could not give, naming its error code only', async () => {
    const [other, odd, codeless, absent] = ['b2', 'c3', 'd4', 'e5'].map((zone) => arnOf(`teo/zone-${zone}`));
    const { json } = batch(
      { [ARN]: 'v' },
      { [other as string]: 'AccessDeniedException', [odd as string]: 'no such thing: v' },
    );
    script = [
      {
        json: {
          SecretValues: [null, ...json.SecretValues],
          Errors: [null, ...json.Errors, { SecretId: codeless, Message: 'no code' }],
        },
      },
    ];

    await expect(
      readers().readAll([source(), ...[other, odd, codeless, absent].map((arn) => source(undefined, arn))]),
    ).resolves.toEqual([
      { value: 'v' },
      failure('Secrets Manager could not give the secret (AccessDeniedException)'),
      failure('Secrets Manager could not give the secret (not in the answer)'),
      failure('Secrets Manager could not give the secret (not in the answer)'),
      failure('Secrets Manager could not give the secret (not in the answer)'),
    ]);
  });

  it('fails, naming the AWS error code only, when Secrets Manager refuses the call', async () => {
    script = [{ status: 400, json: { __type: 'AccessDeniedException', message: `no ${ARN}` } }];

    const [outcome] = await readers().readAll([source()]);

    expect(outcome).toEqual(failure('Secrets Manager could not give the secrets (AccessDeniedException)'));
    expect(outcome).toMatchObject({
      cause: expect.objectContaining({ name: 'AwsError', code: 'AccessDeniedException' }),
    });
  });

  it('is throttled, not failed, when Secrets Manager still throttles after the AWS retries', async () => {
    script = Array(3).fill({
      status: 400,
      json: { __type: 'ThrottlingException', message: 'Rate exceeded' },
    });

    const [outcome] = await readers().readAll([source()]);

    expect(seen).toHaveLength(3);
    expect(outcome).toBeInstanceOf(SourceThrottled);
    expect(outcome).toMatchObject({ retryAfterMs: 1000 });
  });
});

describe('several managers at once', () => {
  it('answers in the order asked, one manager failing without the others', async () => {
    route = ({ url }) =>
      url.startsWith('/v3/')
        ? { status: 503 }
        : { json: { SecretValues: [{ ARN: 'arn-x', SecretString: 'x' }] } };

    const reads = await readers().readAll([
      { kind: 'aws-secrets-manager', secretArn: 'arn-x' },
      { kind: 'doppler', apiUrl: base, project: 'p', config: 'c', name: 'K' },
      { kind: 'aws-secrets-manager', secretArn: 'arn-x', field: undefined },
    ]);

    expect(reads).toEqual([{ value: 'x' }, failure('Doppler answered HTTP 503'), { value: 'x' }]);
  });

  it('asks nothing for no sources', async () => {
    await expect(readers().readAll([])).resolves.toEqual([]);
    expect(seen).toEqual([]);
  });
});
