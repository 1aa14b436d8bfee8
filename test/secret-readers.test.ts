// Reading a bound secret from its manager (docs/contract.md §8), against a scripted manager on loopback: what is
// asked of each API, what is taken from its answer, and each way it can fail, named without any value or token.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { createSecretReaders, type ManagerCredentials } from '#lib/adapters/managers/secret-readers.ts';
import type { SecretLocation } from '#lib/domain/sync/binding.ts';
import {
  type RecordedRequest,
  type RecordingServer,
  startRecordingServer,
} from './support/recording-server.ts';

interface Scripted {
  status?: number;
  json?: unknown;
  text?: string;
}

let script: Scripted[] = [];
let server: RecordingServer;
let base: string;
let seen: RecordedRequest[];

beforeAll(async () => {
  server = await startRecordingServer((_, response) => {
    const { status = 200, json, text } = script.shift() ?? { status: 599 };
    response.writeHead(status, { 'content-type': 'application/json' }).end(text ?? JSON.stringify(json));
  });
  base = server.base;
  seen = server.seen;
});
afterAll(() => server.close());
beforeEach(() => {
  seen.length = 0;
  script = [];
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
    }),
    now: () => clock,
  });

const failure = (reason: string) => expect.objectContaining({ name: 'SourceUnavailable', message: reason });

describe('Doppler', () => {
  const source = (): SecretLocation => ({
    kind: 'doppler',
    apiUrl: base,
    project: 'gateways',
    config: 'prd',
    name: 'TEO KEY',
  });

  it('reads value.computed of the named secret with the service token', async () => {
    script = [{ json: { name: 'TEO KEY', value: { raw: 'the-raw-value', computed: 'the-value' } } }];

    await expect(readers().read(source())).resolves.toEqual({ value: 'the-value' });

    expect(seen).toEqual([
      expect.objectContaining({
        method: 'GET',
        url: '/v3/configs/config/secret?project=gateways&config=prd&name=TEO+KEY',
      }),
    ]);
    expect(seen[0]?.headers.authorization).toBe('Bearer dp.st.fake-test-token');
    expect(seen[0]?.headers.accept).toBe('application/json');
  });

  it.each([
    ['no value', { name: 'TEO KEY' }],
    ['a value that is a string', { value: 'the-value' }],
    ['a computed value that is not a string', { value: { computed: 7 } }],
    ['a body that is a list', [{ value: { computed: 'x' } }]],
  ])('fails on an answer with %s', async (_, json) => {
    script = [{ json }];

    await expect(readers().read(source())).rejects.toEqual(
      failure('Doppler: the answer has no value.computed'),
    );
  });

  it.each([300, 401, 404, 500])('fails on HTTP %i, naming the status only', async (status) => {
    script = [{ status, json: { messages: ['dp.st.fake-test-token is invalid'] } }];

    await expect(readers().read(source())).rejects.toEqual(failure(`Doppler answered HTTP ${status}`));
  });

  it('takes any 2xx answer', async () => {
    script = [{ status: 299, json: { value: { computed: 'v' } } }];

    await expect(readers().read(source())).resolves.toMatchObject({ value: 'v' });
  });

  it('fails without asking when no service token is configured', async () => {
    await expect(readers({ ...CREDENTIALS, dopplerToken: '' }).read(source())).rejects.toEqual(
      failure('Doppler: no service token is configured'),
    );
    expect(seen).toEqual([]);
  });

  it("clears each request's timeout as the request ends, answered or unreachable", async () => {
    // A timer left until it fires would keep each request in memory for seconds after its answer.
    script = [{ json: { value: { computed: 'v' } } }];
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await readers().read(source());
      const unreachable = { ...source(), apiUrl: 'http://127.0.0.1:9' };
      await expect(readers().read(unreachable)).rejects.toThrow();

      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('fails, naming the kind of error, when Doppler cannot be reached', async () => {
    const unreachable = { ...source(), apiUrl: 'http://127.0.0.1:9' };

    const failed = readers().read(unreachable);

    await expect(failed).rejects.toEqual(failure('Doppler could not be reached (Error)'));
    // What node:http said is kept for a debugger, never in the message that is logged.
    await expect(failed).rejects.toMatchObject({ cause: expect.objectContaining({ code: 'ECONNREFUSED' }) });
  });
});

describe('Infisical', () => {
  const source = (siteUrl = base): SecretLocation => ({
    kind: 'infisical',
    siteUrl,
    projectId: 'proj-1',
    environment: 'prod',
    secretPath: '/teo',
    name: 'GATEWAY_KEY',
  });
  const login = (accessToken = 'token-1', expiresIn = 7200) => ({ json: { accessToken, expiresIn } });
  const secret = (secretValue: unknown, version?: unknown) => ({
    json: { secret: { secretValue, version } },
  });

  it('logs in with the machine identity, then reads the secret of the folder with its token', async () => {
    script = [login(), secret('the-value', 4)];

    await expect(readers().read(source())).resolves.toEqual({ value: 'the-value' });

    const [loggingIn, reading] = seen;
    expect(loggingIn).toMatchObject({ method: 'POST', url: '/api/v1/auth/universal-auth/login' });
    expect(loggingIn?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(loggingIn?.body ?? '')).toEqual({
      clientId: 'client-id-fake',
      clientSecret: 'client-secret-fake',
    });
    expect(reading).toMatchObject({
      method: 'GET',
      url: '/api/v4/secrets/GATEWAY_KEY?projectId=proj-1&environment=prod&secretPath=%2Fteo',
    });
    expect(reading?.headers.authorization).toBe('Bearer token-1');
  });

  it('keeps its token until a minute before it expires, then logs in again', async () => {
    const reader = readers();
    script = [login('token-1', 120), secret('v1')];
    await reader.read(source());

    clock += 59_999;
    script = [secret('v2')];
    await reader.read(source());

    clock += 1;
    script = [login('token-2', 120), secret('v3')];
    await expect(reader.read(source())).resolves.toMatchObject({ value: 'v3' });

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
    script = [login('token-1'), { status: 401 }, login('token-2'), secret('v')];

    await expect(reader.read(source())).resolves.toMatchObject({ value: 'v' });

    script = [{ status: 401 }, login('token-3'), { status: 401 }];
    await expect(reader.read(source())).rejects.toEqual(failure('Infisical answered HTTP 401'));
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

  it.each([
    ['no client id', { ...CREDENTIALS, infisicalClientId: undefined }],
    ['no client secret', { ...CREDENTIALS, infisicalClientSecret: '' }],
  ])('fails without asking when it has %s', async (_, credentials) => {
    await expect(readers(credentials).read(source())).rejects.toEqual(
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

    await expect(readers().read(source())).rejects.toEqual(
      failure('Infisical: the login answer has no accessToken'),
    );
  });

  it('fails on a refused login, naming the status only', async () => {
    script = [{ status: 403, json: { message: 'client-secret-fake is wrong' } }];

    await expect(readers().read(source())).rejects.toEqual(failure('Infisical answered HTTP 403'));
  });

  it.each([
    ['no secret', { json: {} }],
    ['a secret without secretValue', { json: { secret: { version: 1 } } }],
    ['a secret that is a list', { json: { secret: ['v'] } }],
    ['a body that is not JSON', { text: 'v' }],
  ])('fails on an answer with %s', async (_, answer) => {
    script = [login(), answer];

    await expect(readers().read(source())).rejects.toEqual(
      failure('Infisical: the answer has no secretValue'),
    );
  });

  it('fails on a read refused otherwise, naming the status only', async () => {
    script = [login(), { status: 404 }];

    await expect(readers().read(source())).rejects.toEqual(failure('Infisical answered HTTP 404'));
  });
});

describe('Secrets Manager', () => {
  const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:teo/zone-a1-AbCdEf';
  const source = (field?: string): SecretLocation => ({ kind: 'aws-secrets-manager', secretArn: ARN, field });

  it('reads the SecretString of the secret, and nothing else of it', async () => {
    script = [{ json: { ARN, SecretString: 'the-value', CreatedDate: 1_750_000_000.1234 } }];

    await expect(readers().read(source())).resolves.toEqual({ value: 'the-value' });
    expect(seen[0]?.headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ SecretId: ARN });
  });

  it('reads one field of a JSON secret', async () => {
    script = [
      { json: { SecretString: JSON.stringify({ TEO_KEY: 'the-value', other: 'x' }), CreatedDate: 2 } },
    ];

    await expect(readers().read(source('TEO_KEY'))).resolves.toEqual({ value: 'the-value' });
  });

  it.each([
    ['absent', JSON.stringify({ other: 'x' })],
    ['not a string', JSON.stringify({ TEO_KEY: 5 })],
    ['in a secret that is not JSON', 'TEO_KEY=the-value'],
    ['in a secret that is a JSON list', JSON.stringify(['the-value'])],
  ])('gives an empty value, which no key can be, when the field is %s', async (_, SecretString) => {
    script = [{ json: { SecretString } }];

    await expect(readers().read(source('TEO_KEY'))).resolves.toEqual({ value: '' });
  });

  it('fails on a secret with no SecretString', async () => {
    script = [{ json: { SecretBinary: 'AAAA' } }];

    await expect(readers().read(source())).rejects.toEqual(
      failure('Secrets Manager: the secret has no SecretString'),
    );
  });

  it('fails, naming the AWS error code only, when Secrets Manager refuses', async () => {
    script = [{ status: 400, json: { __type: 'ResourceNotFoundException', message: `no ${ARN}` } }];

    const failed = readers().read(source());

    await expect(failed).rejects.toEqual(
      failure('Secrets Manager could not give the secret (ResourceNotFoundException)'),
    );
    await expect(failed).rejects.toMatchObject({
      cause: expect.objectContaining({ name: 'AwsError', code: 'ResourceNotFoundException' }),
    });
  });
});
