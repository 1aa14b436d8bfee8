// A consumer of the rotator's `Gateway Key Rotated` event (EventBridge, serverless.yml beside this file): it tells a
// chat channel which zone's key changed, its fingerprint (never the key: the event has none), who set it and how.
// Any principal of the account allowed events:PutEvents on the bus can publish such an event, so before it says
// anything it asks the rotator whether that fingerprint is the zone's live key (GET /iam/zones/{ZoneId}, signed
// with this function's own role), and says so when it is not.
//
// Environment: ROTATOR_URL (the rotator's HTTP API endpoint), CHAT_WEBHOOK_URL (an incoming webhook that takes
// {"text": "..."}: Slack, Mattermost, Google Chat), and the role's credentials Lambda provides.
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

/** The event as EventBridge delivers it (docs/contract.md §6). */
export interface KeyRotatedEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: {
    readonly ZoneId: string;
    readonly KeyFingerprint: string;
    readonly RequestId: string;
    readonly Caller: string;
    readonly Trigger: string;
    readonly At: string;
  };
}

// What reaches the channel from an event is checked first: a forged event must not post arbitrary text.
const ZONE_ID = /^zone-[a-z0-9]{1,64}$/;
const FINGERPRINT = /^[0-9a-f]{16}$/;
const WORD = /^[\w.@:/+=-]{1,128}$/;

export async function handler(event: KeyRotatedEvent, env = process.env): Promise<void> {
  const { ZoneId, KeyFingerprint, Caller, Trigger, RequestId } = event.detail;
  if (!ZONE_ID.test(ZoneId) || !FINGERPRINT.test(KeyFingerprint))
    throw new Error('not a Gateway Key Rotated event: its ZoneId or KeyFingerprint is malformed');
  const live = await liveFingerprint(required(env, 'ROTATOR_URL'), ZoneId, env);
  const who = [Caller, Trigger].every((word) => WORD.test(word))
    ? `${Caller} (${Trigger})`
    : 'an unnamed caller';
  const text =
    live === KeyFingerprint
      ? `${ZoneId}: gateway key rotated by ${who}. Live key fingerprint ${KeyFingerprint}; TEO RequestId ${WORD.test(RequestId) ? RequestId : '?'}.`
      : `${ZoneId}: an event says its gateway key was rotated to ${KeyFingerprint} by ${who}, but the live key's fingerprint is ${live ?? 'none (no key)'}. Check the zone: rotator status --zone ${ZoneId}`;
  const posted = await fetch(required(env, 'CHAT_WEBHOOK_URL'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  // A failed post fails the invocation: Lambda retries an asynchronous event, then its dead-letter target has it.
  if (!posted.ok) throw new Error(`the chat webhook answered ${posted.status}`);
}

/** The zone's live key fingerprint, as the rotator reads it from TEO now (null: the zone has no key). */
async function liveFingerprint(
  rotatorUrl: string,
  zoneId: string,
  env: NodeJS.ProcessEnv,
): Promise<string | null> {
  const url = new URL(`${rotatorUrl.replace(/\/$/, '')}/iam/zones/${zoneId}`);
  const signer = new SignatureV4({
    service: 'execute-api',
    region: required(env, 'AWS_REGION'),
    credentials: {
      accessKeyId: required(env, 'AWS_ACCESS_KEY_ID'),
      secretAccessKey: required(env, 'AWS_SECRET_ACCESS_KEY'),
      ...(env.AWS_SESSION_TOKEN && { sessionToken: env.AWS_SESSION_TOKEN }),
    },
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port && { port: Number(url.port) }),
    path: url.pathname,
    query: {},
    headers: { host: url.host },
  });
  // fetch sets Host itself, from the URL: the same value that was signed.
  const { host: _, ...headers } = signed.headers;
  const answer = await fetch(url, { headers });
  if (!answer.ok) throw new Error(`the rotator answered ${answer.status} to the zone's status`);
  const { LiveKeyFingerprint } = (await answer.json()) as { LiveKeyFingerprint: string | null };
  return LiveKeyFingerprint;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
