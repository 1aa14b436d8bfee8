// `rotator`: the supported way for internal tools to call the deployed rotate function.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { keyFingerprint } from '#lib/key-fingerprint.ts';
import { sigV4Headers } from './aws-sigv4.ts';
import { webhookHeaders } from './webhook-signature.ts';

const USAGE = `usage:
  rotator rotate --url URL --zone ZONE_ID (--generate | --key - | --key BASE64) [--aws-iam] [--json]
  rotator hash-token          reads a token on stdin, prints the tokenSha256 to configure
  rotator new-webhook-secret  prints a fresh whsec_ secret

Authentication (exactly one): ROTATOR_TOKEN (bearer), ROTATOR_WEBHOOK_SECRET (Standard Webhooks), or --aws-iam
(SigV4 with the standard AWS credential chain; region from the URL, else AWS_REGION).
--key - reads the new key from stdin; --generate makes 32 random bytes and prints the key once.`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'hash-token') {
    const token = (await text(process.stdin)).replace(/\r?\n$/, '');
    if (token === '') throw new UsageError('hash-token reads the token on stdin');
    console.log(createHash('sha256').update(token).digest('hex'));
    return 0;
  }
  if (command === 'new-webhook-secret') {
    console.log(`whsec_${randomBytes(32).toString('base64')}`);
    return 0;
  }
  if (command === 'rotate') return rotate(rest);
  throw new UsageError(command ? `unknown command: ${command}` : 'a command is required');
}

async function rotate(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      url: { type: 'string' },
      zone: { type: 'string' },
      key: { type: 'string' },
      generate: { type: 'boolean', default: false },
      'aws-iam': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.url || !values.zone) throw new UsageError('--url and --zone are required');
  if (values.generate === (values.key !== undefined))
    throw new UsageError('give exactly one of --generate and --key');
  if (values.key !== undefined && values.key !== '-') {
    console.error(
      'warning: a key given on the command line is visible to other processes; prefer --key - or --generate',
    );
  }
  const secretKey = values.generate
    ? randomBytes(32).toString('base64')
    : values.key === '-'
      ? (await text(process.stdin)).trim()
      : (values.key ?? '');
  const url = new URL(values['aws-iam'] ? '/iam/rotate' : '/rotate', values.url);
  const body = JSON.stringify({ ZoneId: values.zone, SecretKey: secretKey });
  const headers = await authenticate(url, body, values['aws-iam']);

  const response = await fetch(url, { method: 'POST', headers, body });
  const answer = asAnswer(await response.json().catch(() => undefined));
  if (!response.ok || answer.RequestId === undefined) {
    if (values.json) console.log(JSON.stringify(answer));
    else console.error(`error: ${answer.Error?.Code ?? response.status}: ${answer.Error?.Message ?? ''}`);
    return 1;
  }
  const result = {
    RequestId: answer.RequestId,
    KeyFingerprint: keyFingerprint(secretKey),
    ...(values.generate && { SecretKey: secretKey }),
  };
  if (values.json) console.log(JSON.stringify(result));
  else for (const [name, value] of Object.entries(result)) console.log(`${name}: ${value}`);
  return 0;
}

interface Answer {
  readonly RequestId?: string;
  readonly Error?: { readonly Code?: string; readonly Message?: string };
}

/** The function's documented answer shapes; anything else is reported as no answer at all. */
function asAnswer(document: unknown): Answer {
  if (typeof document !== 'object' || document === null) return {};
  const { RequestId, Error: error } = document as Record<string, unknown>;
  const { Code, Message } = (typeof error === 'object' && error !== null ? error : {}) as Record<
    string,
    unknown
  >;
  return {
    ...(typeof RequestId === 'string' && { RequestId }),
    Error: { ...(typeof Code === 'string' && { Code }), ...(typeof Message === 'string' && { Message }) },
  };
}

async function authenticate(url: URL, body: string, awsIam: boolean): Promise<Record<string, string>> {
  const token = process.env.ROTATOR_TOKEN;
  const secret = process.env.ROTATOR_WEBHOOK_SECRET;
  const kinds = [token, secret, awsIam || undefined].filter(Boolean).length;
  if (kinds !== 1)
    throw new UsageError('set exactly one of ROTATOR_TOKEN, ROTATOR_WEBHOOK_SECRET or --aws-iam');
  const json = { 'content-type': 'application/json' };
  if (token) return { ...json, authorization: `Bearer ${token}` };
  if (secret)
    return { ...json, ...webhookHeaders(secret, `msg_${randomUUID()}`, Math.floor(Date.now() / 1000), body) };
  return sigV4Headers(
    url,
    body,
    json,
    process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
  );
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error instanceof UsageError ? `${error.message}\n\n${USAGE}` : `error: ${error.message}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
