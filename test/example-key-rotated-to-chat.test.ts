// docs/examples/key-rotated-to-chat: the consumer of `Gateway Key Rotated`, run on the event the rotator publishes,
// against the local server (its zone status, SigV4-verified as API Gateway would) and a chat webhook on loopback.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { AwsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { EVENT_DETAIL_TYPE, EVENT_SOURCE, eventBridgeEvents } from '#lib/adapters/aws/rotation-events.ts';
import { handler, type KeyRotatedEvent } from '../docs/examples/key-rotated-to-chat/handler.ts';
import { DEMO_ZONES, LOCAL_ACCESS_KEYS, LOCAL_TOKEN } from '../local/demo-setup.ts';
import { captureOutput } from './support/captured-output.ts';
import { LOCAL_REGION, type LocalStack, startLocalStack } from './support/local-stack.ts';
import { type RecordingServer, startRecordingServer } from './support/recording-server.ts';

const ZONE = DEMO_ZONES[0] ?? '';
const [ACCESS_KEY_ID = '', { secretAccessKey = '' } = {}] = Object.entries(LOCAL_ACCESS_KEYS)[0] ?? [];

let stack: LocalStack;
let chat: RecordingServer;
let chatStatus = 200;
const output = captureOutput();
beforeAll(async () => {
  [stack, chat] = await Promise.all([
    startLocalStack(),
    startRecordingServer((_, response) => void response.writeHead(chatStatus).end('ok')),
  ]);
});
afterAll(async () => {
  output.restore();
  await Promise.all([stack.close(), chat.close()]);
});
beforeEach(() => {
  chat.seen.length = 0;
  chatStatus = 200;
});

const env = () => ({
  ROTATOR_URL: stack.server.url,
  CHAT_WEBHOOK_URL: `${chat.base}/hooks/rotations`,
  AWS_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: secretAccessKey,
});

/** A rotation through the local server, and the event the rotator publishes for it, as EventBridge delivers it. */
async function rotated(): Promise<KeyRotatedEvent> {
  const answer = await fetch(`${stack.server.url}/rotate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${LOCAL_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      ZoneId: ZONE,
      SecretKey: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64'),
    }),
  });
  const { RequestId, KeyFingerprint } = (await answer.json()) as Record<string, string>;
  let entry: Record<string, string> = {};
  const events: AwsJsonClient = {
    call: async (_action, body) => {
      [entry = {}] = (body as { Entries: Record<string, string>[] }).Entries;
      return { FailedEntryCount: 0 };
    },
  } as AwsJsonClient;
  await eventBridgeEvents('default', events).announce({
    zoneId: ZONE,
    keyFingerprint: KeyFingerprint ?? '',
    requestId: RequestId ?? '',
    caller: 'local-dev',
    trigger: 'http',
  });
  return {
    source: entry.Source ?? '',
    'detail-type': entry.DetailType ?? '',
    detail: JSON.parse(entry.Detail ?? '{}'),
  };
}

const posted = () => chat.seen.map(({ method, url, body }) => ({ method, url, body: JSON.parse(body) }));

describe('the Gateway Key Rotated consumer that tells a chat channel', () => {
  it('posts the zone, the live fingerprint, who set it and TEO’s RequestId, once the rotator confirms it is live', async () => {
    const event = await rotated();

    await handler(event, env());

    const { ZoneId, KeyFingerprint, RequestId } = event.detail;
    expect(posted()).toEqual([
      {
        method: 'POST',
        url: '/hooks/rotations',
        body: {
          text: `${ZoneId}: gateway key rotated by local-dev (http). Live key fingerprint ${KeyFingerprint}; TEO RequestId ${RequestId}.`,
        },
      },
    ]);
  });

  it('says so when the event names a key that is not the live one (anyone allowed PutEvents can publish one)', async () => {
    const event = await rotated();
    const live = event.detail.KeyFingerprint;

    await handler(
      {
        ...event,
        detail: { ...event.detail, KeyFingerprint: '0123456789abcdef', Caller: 'x; @channel <!here>' },
      },
      env(),
    );

    expect(posted()[0]?.body.text).toBe(
      `${ZONE}: an event says its gateway key was rotated to 0123456789abcdef by an unnamed caller, but the live key's fingerprint is ${live}. Check the zone: rotator status --zone ${ZONE}`,
    );
  });

  it('refuses an event whose zone or fingerprint is malformed, posting nothing', async () => {
    const event = await rotated();

    await expect(
      handler({ ...event, detail: { ...event.detail, ZoneId: 'zone-x <!here>' } }, env()),
    ).rejects.toThrow('not a Gateway Key Rotated event: its ZoneId or KeyFingerprint is malformed');
    expect(posted()).toEqual([]);
  });

  it('fails the invocation when the chat webhook refuses, so that Lambda retries it', async () => {
    chatStatus = 500;

    await expect(handler(await rotated(), env())).rejects.toThrow('the chat webhook answered 500');
  });

  it('fails, posting nothing, when its role may not read the zone status (API Gateway refuses the signature)', async () => {
    await expect(
      handler(await rotated(), { ...env(), AWS_SECRET_ACCESS_KEY: 'not-the-key' }),
    ).rejects.toThrow("the rotator answered 403 to the zone's status");
    expect(posted()).toEqual([]);
  });

  it('is subscribed by a rule that matches what the rotator publishes', () => {
    const service = parse(readFileSync('docs/examples/key-rotated-to-chat/serverless.yml', 'utf8'));

    expect(service.functions.keyRotatedToChat.events).toEqual([
      { eventBridge: { pattern: { source: [EVENT_SOURCE], 'detail-type': [EVENT_DETAIL_TYPE] } } },
    ]);
  });
});
