// docs/contract.md §2: nothing a response, a log line or an error holds ever contains a key, a credential, a token or a
// signature. Everything the process writes is captured across success and failure, and searched.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RotateHandler } from '#lib/handlers/rotate/handler.ts';
import { captureOutput } from './support/captured-output.ts';
import { type EventChanges, lambdaContext, rotateEvent, SOURCES } from './support/events.ts';
import {
  ADMIN_TOKEN,
  CALLERS,
  FINGERPRINT_KEY,
  KEY,
  OPS_TOKEN,
  TENCENT_SECRET_ID,
  TENCENT_SECRET_KEY,
  testEnvironment,
  ZONE,
} from './support/fake-config.ts';
import { startTeoStandIn, type TeoStandIn, teoError } from './support/teo-stand-in.ts';
import { webhookHeaders, webhookVector } from './support/webhooks.ts';

const SESSION_TOKEN = 'FakeStsSessionTokenForTests0000000000000000';
const OTHER_KEY = Buffer.alloc(40, 0x5c).toString('base64');
const keyForms = (key: string) => {
  const bytes = Buffer.from(key, 'base64');
  return [
    key,
    bytes.toString('hex'),
    bytes.toString('base64url'),
    JSON.stringify(key).slice(1, -1),
    encodeURIComponent(key),
    // A truncated quote of it, as an error message might give.
    key.slice(0, 20),
  ];
};

let teo: TeoStandIn;
const written: string[] = [];
const webhookSignatures: string[] = [];

async function loadEntryPoint(env: Record<string, string | undefined>): Promise<RotateHandler> {
  vi.resetModules();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const { handler } = await import('../functions/rotate.ts');
  vi.unstubAllEnvs();
  return handler;
}

beforeAll(async () => {
  teo = await startTeoStandIn();
  const output = captureOutput();
  try {
    const env = testEnvironment(teo.url, {
      TENCENTCLOUD_SESSION_TOKEN: SESSION_TOKEN,
      TEO_TIMEOUT_MS: '200',
    });
    const handler = await loadEntryPoint(env);
    const misconfigured = await loadEntryPoint({
      ...env,
      ROTATOR_CLIENTS: `${env.ROTATOR_CLIENTS}]`,
      TEO_TIMEOUT_MS: 'x',
    });
    const body = (secretKey: unknown) => JSON.stringify({ ZoneId: ZONE, SecretKey: secretKey });
    const cases: [RotateHandler, EventChanges][] = [
      [handler, {}],
      [handler, { body: body(OTHER_KEY) }],
      [handler, { body: body(`${KEY} `) }],
      [handler, { body: body(`${KEY}${KEY}`) }],
      [handler, { body: `{"SecretKey":"${KEY}", ` }],
      [handler, { body: JSON.stringify({ ZoneId: ZONE, [KEY]: KEY }) }],
      [handler, { body: JSON.stringify({ ZoneId: 'zone-NOPE', SecretKey: KEY }) }],
      [handler, { body: body(KEY), headers: { 'content-type': 'text/plain' } }],
      [handler, { body: body(KEY), headers: { authorization: `Bearer ${OPS_TOKEN}x` } }],
      [
        handler,
        {
          body: body(KEY),
          headers: { authorization: `Basic ${Buffer.from(`ops:${OPS_TOKEN}`).toString('base64')}` },
        },
      ],
      [handler, { body: JSON.stringify({ ZoneId: 'zone-3fk9x0qa81mz', SecretKey: KEY }) }],
      [misconfigured, {}],
    ];
    const now = Math.floor(Date.now() / 1000);
    for (const [id, timestamp] of [
      ['msg_ok', now],
      ['msg_stale', now - 3600],
    ] as const) {
      const headers = webhookHeaders(webhookVector.secret, id, timestamp, body(KEY));
      webhookSignatures.push(headers['webhook-signature']);
      cases.push([handler, { body: body(KEY), headers: { authorization: undefined, ...headers } }]);
      cases.push([handler, { body: body(OTHER_KEY), headers: { authorization: undefined, ...headers } }]);
    }
    for (const source of SOURCES) {
      for (const [run, changes] of cases) {
        const headers = { authorization: `Bearer ${OPS_TOKEN}`, ...changes.headers };
        written.push(
          JSON.stringify(await run(rotateEvent(source, { ...changes, headers }), lambdaContext())),
        );
      }
      // TEO's faults, including error messages that quote the key back in every encoding, and an error whose
      // Code is not a string (which once sent TEO's raw message down the transport branch).
      const quoted = keyForms(KEY).join(' ');
      for (const answer of [
        teoError('InvalidParameterValue', `SecretKey ${KEY} is not acceptable`),
        teoError('InvalidParameterValue', `SecretKey is not acceptable: ${quoted}`),
        teoError('InternalError', `failed on ${quoted}`),
        { json: { Response: { Error: { Code: 42, Message: `bad ${quoted}` }, RequestId: 'r-42' } } },
        { json: { Response: { Error: { Code: null, Message: `bad ${quoted}` }, RequestId: 'r-null' } } },
        teoError('AuthFailure.SignatureFailure'),
        teoError('RequestLimitExceeded'),
        { status: 500, text: `<html>${KEY}</html>` },
        { json: { Response: { RequestId: 'late' } }, delayMs: 1000 },
        { drop: true } as const,
      ]) {
        teo.script(answer);
        const event = rotateEvent(source, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        written.push(JSON.stringify(await handler(event, lambdaContext())));
      }
    }
  } finally {
    output.restore();
    written.push(output.text());
  }
});
afterAll(() => teo.close());

describe('everything the function wrote and answered', () => {
  it('covers successes, refusals and TEO failures, with log lines for each', () => {
    const everything = written.join('\n');

    expect(everything).toContain('"authKind":"webhook"');
    expect(everything).toContain('"outcome":"rotated"');
    expect(everything).toContain('"outcome":"refused"');
    expect(everything).toContain('"outcome":"failed"');
    expect(everything).toContain('invalid configuration: every request will be refused');
    expect(teo.requests.length).toBeGreaterThan(SOURCES.length * 6);
  });

  // Each list is made when its test runs, after beforeAll has sent the requests (the signatures among them).
  it.each([
    ['the requested key, in any encoding', () => [...keyForms(KEY), ...keyForms(OTHER_KEY)]],
    [
      'the Tencent SecretKey, SecretId and session token, and the fingerprint key',
      () => [TENCENT_SECRET_KEY, TENCENT_SECRET_ID, SESSION_TOKEN, FINGERPRINT_KEY],
    ],
    [
      "the callers' bearer tokens and their configured digests",
      () => [OPS_TOKEN, ADMIN_TOKEN, ...CALLERS.flatMap((c) => c.tokenSha256 ?? [])],
    ],
    [
      'a webhook secret, or a webhook signature',
      () => [...CALLERS.flatMap((c) => c.webhookSecrets ?? []), ...webhookSignatures],
    ],
  ])('never contains %s', (_, secretsOf) => {
    const everything = written.join('\n');
    const secrets = secretsOf();

    // More than the configured secrets alone: the signatures made while sending are searched too.
    expect(secrets.length).toBeGreaterThan(2);
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });

  it('never contains a TC3 signature that was sent to TEO', () => {
    const everything = written.join('\n');
    const signatures = teo.requests.map(
      (request) => /Signature=([0-9a-f]{64})/.exec(String(request.headers.authorization))?.[1],
    );

    expect(signatures.length).toBeGreaterThan(0);
    for (const signature of signatures) expect(everything).not.toContain(signature);
  });
});
