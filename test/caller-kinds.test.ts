// docs/contract.md §4's webhook and IAM callers through the handler, with real event shapes: who gets in, and who does not.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '#lib/handlers/config/rotator-config.ts';
import {
  type EventChanges,
  type EventSource,
  IAM_HTTP_API,
  lambdaContext,
  rotateEvent,
  SOURCES,
} from './support/events.ts';
import { KEY, OPS_TOKEN, OTHER_ZONE, testEnvironment, ZONE } from './support/fake-config.ts';
import { createDocumentedHandler } from './support/openapi.ts';
import { useTeoStandIn } from './support/stand-in-harness.ts';
import { webhookHeaders, webhookVector } from './support/webhooks.ts';

const harness = useTeoStandIn();

const SECRET = webhookVector.secret;
const ROLE_SESSION = 'arn:aws:sts::123456789012:assumed-role/rotator-ci/ci-session';
const now = () => Math.floor(Date.now() / 1000);
const bodyFor = (zoneId: string, secretKey = KEY) => JSON.stringify({ ZoneId: zoneId, SecretKey: secretKey });

async function send(source: EventSource, changes: EventChanges, env?: Record<string, string>) {
  const handler = createDocumentedHandler(loadConfig(testEnvironment(harness.teo.url, env)));
  const response = await handler(rotateEvent(source, changes), lambdaContext());
  return { ...response, json: JSON.parse(response.body) };
}

const auditLine = () => harness.output.lines().find((line) => line.message === 'rotation request');

const signed = (body: string, id = 'msg_2Kp9rotation0001', timestamp = now()) => ({
  body,
  headers: webhookHeaders(SECRET, id, timestamp, body),
});

describe.each(SOURCES)('a signed webhook through a %s event', (source) => {
  it('rotates, and the audit line names the webhook caller', async () => {
    const response = await send(source, signed(bodyFor(ZONE)));

    expect(response.statusCode).toBe(200);
    expect(harness.teo.requests).toHaveLength(1);
    expect(auditLine()).toMatchObject({ caller: 'secrets-hook', authKind: 'webhook', zone: ZONE });
  });

  it('verifies the bytes received, decoding a base64 body first', async () => {
    const response = await send(source, { ...signed(bodyFor(ZONE)), base64: true });

    expect(response.statusCode).toBe(200);
  });

  it('verifies a body in any JSON spelling, byte for byte', async () => {
    const spaced = `{ "SecretKey" : "${KEY}",\n  "ZoneId" : "${ZONE}" }`;

    const response = await send(source, signed(spaced));

    expect(response.statusCode).toBe(200);
  });

  it('finds the headers whatever their case', async () => {
    const { body, headers } = signed(bodyFor(ZONE));
    const shouted = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name.toUpperCase(), value]),
    );

    const response = await send(source, { body, headers: shouted });

    expect(response.statusCode).toBe(200);
  });

  it('answers 401, not 400, to a bad signature on an invalid body', async () => {
    const { headers } = signed(bodyFor(ZONE));

    const response = await send(source, { body: '{"not": "json', headers });

    expect(response.statusCode).toBe(401);
    expect(response.json.Error.Code).toBe('AuthFailure');
  });

  it('answers 401 to a correctly signed request older than 5 minutes', async () => {
    const response = await send(source, signed(bodyFor(ZONE), 'msg_old', now() - 301));

    expect(response.statusCode).toBe(401);
    expect(auditLine()).toMatchObject({ errorDetail: 'webhook-timestamp outside the 5-minute window' });
  });

  it('answers 401 when a second timestamp header was joined to a valid one', async () => {
    const request = signed(bodyFor(ZONE));
    const headers = {
      ...request.headers,
      'webhook-timestamp': `${request.headers['webhook-timestamp']},${now()}`,
    };

    const response = await send(source, { body: request.body, headers });

    expect(response.statusCode).toBe(401);
    expect(harness.teo.requests).toHaveLength(0);
  });

  it('answers 401 to a webhook that also carries a bearer token', async () => {
    const request = signed(bodyFor(ZONE));

    const response = await send(source, {
      body: request.body,
      headers: { ...request.headers, authorization: `Bearer ${OPS_TOKEN}` },
    });

    expect(response.statusCode).toBe(401);
  });
});

describe('a repeated header delivered in multiValueHeaders (REST API)', () => {
  it('is seen with all its values, and refused', async () => {
    const request = signed(bodyFor(ZONE));
    const event = rotateEvent('rest-api-v1', request) as { multiValueHeaders: Record<string, string[]> };
    event.multiValueHeaders['webhook-id'] = ['msg_first', request.headers['webhook-id']];
    const handler = createDocumentedHandler(loadConfig(testEnvironment(harness.teo.url)));

    const response = await handler(event as never, lambdaContext());

    expect(response.statusCode).toBe(401);
    expect(harness.teo.requests).toHaveLength(0);
  });
});

describe('an AWS IAM caller', () => {
  it('rotates a zone its role grants through the HTTP API route with AWS_IAM auth', async () => {
    const response = await send(IAM_HTTP_API, {});

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(harness.teo.requests[0]?.body ?? '').ZoneId).toBe(OTHER_ZONE);
    expect(auditLine()).toMatchObject({ caller: 'ci-role', authKind: 'iam', zone: OTHER_ZONE });
  });

  it.each(['http-api-v2', 'rest-api-v1'] as const)('is recognised from a %s event', async (source) => {
    const response = await send(source, { body: bodyFor(OTHER_ZONE), iamPrincipal: ROLE_SESSION });

    expect(response.statusCode).toBe(200);
  });

  it('gets 403 for a zone its role does not grant', async () => {
    const response = await send(IAM_HTTP_API, { body: bodyFor(ZONE) });

    expect(response.statusCode).toBe(403);
    expect(response.json.Error.Code).toBe('UnauthorizedOperation');
    expect(harness.teo.requests).toHaveLength(0);
  });

  it.each([
    'arn:aws:sts::123456789012:assumed-role/rotator-ci-evil/ci-session',
    'arn:aws:sts::210987654321:assumed-role/rotator-ci/ci-session',
    'arn:aws:iam::123456789012:user/rotator-ci',
  ])('gets 403 when AWS verified %s but no caller lists it', async (arn) => {
    const response = await send(IAM_HTTP_API, { iamPrincipal: arn });

    expect(response.statusCode).toBe(403);
    expect(harness.teo.requests).toHaveLength(0);
  });

  it('gets 401 when it also presents webhook headers', async () => {
    const response = await send(IAM_HTTP_API, { headers: { 'webhook-id': 'msg_1' } });

    expect(response.statusCode).toBe(401);
  });

  it('gets 401 when a bearer token stands where the SigV4 signature would', async () => {
    const response = await send(IAM_HTTP_API, { headers: { authorization: `Bearer ${OPS_TOKEN}` } });

    expect(response.statusCode).toBe(401);
  });
});

describe('webhook properties', () => {
  const FIELDS = ['body', 'webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

  it('refuses any single-byte change to the body, id, timestamp or signature, and calls TEO for none', async () => {
    const request = signed(bodyFor(ZONE), 'msg_property0001');
    const original: Record<(typeof FIELDS)[number], Buffer> = {
      body: Buffer.from(request.body),
      'webhook-id': Buffer.from(request.headers['webhook-id']),
      'webhook-timestamp': Buffer.from(request.headers['webhook-timestamp']),
      'webhook-signature': Buffer.from(request.headers['webhook-signature']),
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...FIELDS),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (field, at, delta) => {
          const bytes = Buffer.from(original[field]);
          const index = at % bytes.length;
          // Header values are text: keep a changed header byte printable ASCII, so the change is the only defect.
          bytes[index] =
            field === 'body'
              ? (bytes[index] ?? 0) ^ delta
              : 0x21 + (((bytes[index] ?? 0) - 0x21 + delta) % 94);
          fc.pre(!bytes.equals(original[field]));
          const changed = field === 'body' ? {} : { [field]: bytes.toString('latin1') };
          const body = field === 'body' ? bytes : original.body;

          const response = await send(source(), {
            body: body.toString('base64'),
            headers: { ...request.headers, ...changed },
          });

          expect(response.statusCode).toBe(401);
          expect(harness.teo.requests).toHaveLength(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('admits any well-formed request signed with any listed secret', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 24, maxLength: 64 }),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
        // ±299: signing and verifying may fall in different seconds; the ±300 edges are unit-tested.
        fc.integer({ min: -299, max: 299 }),
        fc.uint8Array({ minLength: 32, maxLength: 48 }),
        fc.stringMatching(/^zone-[a-z0-9]{1,64}$/),
        async (key, id, skew, newKey, zoneId) => {
          const secret = `whsec_${Buffer.from(key).toString('base64')}`;
          const env = {
            ROTATOR_CLIENTS: JSON.stringify([
              { name: 'generated', zones: ['*'], webhookSecrets: [SECRET, secret] },
            ]),
          };
          const body = bodyFor(zoneId, Buffer.from(newKey).toString('base64'));
          harness.teo.requests.length = 0;

          const response = await send(
            source(),
            { body, headers: webhookHeaders(secret, id, now() + skew, body) },
            env,
          );

          expect(response.statusCode).toBe(200);
          expect(harness.teo.requests.map((sent) => JSON.parse(sent.body))).toEqual([JSON.parse(body)]);
        },
      ),
      { numRuns: 60 },
    );
  });

  /** Each run takes one of the event sources, so the properties hold for all of them. */
  let turn = 0;
  const source = (): EventSource => SOURCES[turn++ % SOURCES.length] ?? 'http-api-v2';
});
