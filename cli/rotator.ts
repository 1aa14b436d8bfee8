// `rotator`: the supported way for internal tools to call the deployed rotate function. A rotation is a hard
// cutover, so the CLI never loses a key that may have gone live: it keeps the key before sending it, sends every
// rotation with an Idempotency-Key, and when the outcome is unknown prints the command that resends the same request.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { isLoopbackHost } from '#lib/adapters/http/loopback.ts';
import { parseCamEndpoint } from '#lib/adapters/teo/cam.ts';
import { sigV4Headers } from './aws-sigv4.ts';
import { doctor } from './doctor.ts';
import { type Answer, printable, readAnswer, type ZoneStatusAnswer } from './rotation-answer.ts';
import { invokedAs, shellQuote } from './shell.ts';
import { webhookHeaders } from './webhook-signature.ts';

const USAGE = `usage:
  rotator rotate --url URL --zone ZONE_ID (--generate | --key -) [--key-out FILE] [--idempotency-key ID]
                 [--dry-run] [--aws-iam] [--json]
  rotator status --url URL --zone ZONE_ID [--aws-iam] [--json]
                              which key is live (by fingerprint), and the last rotation the function applied
  rotator doctor --provider-id ID --audience AUD [--issuer URL] [--cam-endpoint URL]
                              keyless mode: AWS's federation and issuer, CAM's provider, and whether CAM's copy of
                              AWS's signing keys is current (with your AWS credentials and TENCENTCLOUD_*)
  rotator hash-token          reads a token on stdin, prints the tokenSha256 to configure
  rotator new-webhook-secret  prints a fresh whsec_ secret
  rotator --help

Authentication (exactly one): ROTATOR_TOKEN (bearer), ROTATOR_WEBHOOK_SECRET (Standard Webhooks), or --aws-iam
(SigV4 for execute-api with the standard AWS credential chain; region from the URL, else AWS_REGION).

--dry-run checks everything up to TEO (the caller's rights on the zone, the function's Tencent credentials) and
changes nothing. --generate makes 32 random bytes; --key - reads the key from stdin. --key-out FILE writes the key (mode 0600)
before anything is sent, so it survives any outcome. Every rotation carries an Idempotency-Key (--idempotency-key,
else a fresh one): sending the same request again is safe.
URL: https://, or http:// to a loopback address; a base path (https://host/prod) is kept.

Exit status: 0 rotated; 1 refused, nothing changed; 2 usage error; 3 outcome unknown, the key may be live:
resend the same request with the command printed.`;

const EXIT = { rotated: 0, refused: 1, usage: 2, unknown: 3 } as const;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command === undefined ? EXIT.usage : EXIT.rotated;
  }
  if (command === 'hash-token') {
    const token = (await text(process.stdin)).replace(/\r?\n$/, '');
    if (token === '') throw new UsageError('hash-token reads the token on stdin');
    console.log(createHash('sha256').update(token).digest('hex'));
    return EXIT.rotated;
  }
  if (command === 'new-webhook-secret') {
    console.log(`whsec_${randomBytes(32).toString('base64')}`);
    return EXIT.rotated;
  }
  if (command === 'rotate') return rotate(rest);
  if (command === 'doctor') return runDoctor(rest);
  if (command === 'status') return status(rest);
  throw new UsageError(`unknown command: ${printable(command)}`);
}

async function runDoctor(args: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: {
        'provider-id': { type: 'string' },
        audience: { type: 'string' },
        issuer: { type: 'string' },
        'cam-endpoint': { type: 'string', default: 'https://cam.tencentcloudapi.com' },
      },
    }));
  } catch (error) {
    throw new UsageError(printable((error as Error).message.split('. ')[0] ?? 'invalid arguments'));
  }
  const { 'provider-id': providerId, audience, issuer, 'cam-endpoint': camEndpoint } = values;
  if (typeof providerId !== 'string' || typeof audience !== 'string')
    throw new UsageError('doctor needs --provider-id and --audience');
  const cam = parseCamEndpoint(String(camEndpoint), '--cam-endpoint');
  if (typeof cam === 'string') throw new UsageError(cam);
  const { checks, mend } = await doctor({
    providerId,
    audience,
    issuer: typeof issuer === 'string' ? issuer : undefined,
    camEndpoint: cam,
  });
  for (const { ok, what } of checks) console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (mend) console.log(`\nTo upload AWS's current keys to CAM:\n  ${mend}`);
  return checks.every(({ ok }) => ok) ? EXIT.rotated : EXIT.refused;
}

function options(args: string[]) {
  try {
    return parseArgs({
      args,
      strict: true,
      options: {
        url: { type: 'string' },
        zone: { type: 'string' },
        key: { type: 'string' },
        'key-out': { type: 'string' },
        'idempotency-key': { type: 'string' },
        generate: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        'aws-iam': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    // parseArgs names the unknown option; an option is never a secret, but its value might be: only the name.
    throw new UsageError(printable((error as Error).message.split('. ')[0] ?? 'invalid arguments'));
  }
}

async function rotate(args: string[]): Promise<number> {
  const values = options(args);
  if (values.help) {
    console.log(USAGE);
    return EXIT.rotated;
  }
  if (!values.url || !values.zone) throw new UsageError('--url and --zone are required');
  if (values.generate === (values.key !== undefined))
    throw new UsageError('give exactly one of --generate and --key');
  const awsIam = values['aws-iam'];
  const endpoint = rotateUrl(values.url, awsIam ? 'iam/rotate' : 'rotate');
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
  const idempotencyKey = values['idempotency-key'] ?? `rot_${randomUUID()}`;
  const dryRun = values['dry-run'];
  const body = JSON.stringify({ ZoneId: values.zone, SecretKey: secretKey, ...(dryRun && { DryRun: true }) });
  // Every check of the CLI's own first (credentials among them): a refusal here leaves no key file behind.
  const headers = await authenticate(endpoint, body, awsIam, idempotencyKey, 'POST');
  // Durable before it is sent: whatever happens next, the key that may go live is not lost.
  // A relative path is the user's: through `npm run rotator` the process runs in the package's directory, and the
  // key would land in the repository, not where the command was typed (INIT_CWD is where npm was run).
  const keyFile =
    values['key-out'] === undefined ? undefined : resolve(process.env.INIT_CWD ?? '.', values['key-out']);
  if (keyFile !== undefined) writeKey(keyFile, secretKey);

  const answer = await send(endpoint, { method: 'POST', headers, body });
  if (dryRun) return reportDryRun(answer, values.json);
  const resend = {
    url: values.url,
    zone: values.zone,
    idempotencyKey,
    awsIam,
    keyFile: keyFile ?? (answer.outcome === 'unknown' ? keptKeyFile(secretKey) : undefined),
  };
  return report(answer, secretKey, {
    json: values.json,
    printKey: values.generate && keyFile === undefined,
    resend,
  });
}

/** The route under the URL's own path: https://host/prod becomes https://host/prod/rotate. */
function rotateUrl(raw: string, route: string): URL {
  let base: URL;
  try {
    base = new URL(raw);
  } catch {
    throw new UsageError('--url is not a URL');
  }
  // Never echoed: a URL with credentials in it would put them on the terminal and in shell history.
  if (base.username !== '' || base.password !== '') {
    throw new UsageError(
      '--url must not carry a user name or password: authenticate with ROTATOR_TOKEN and the like',
    );
  }
  const loopback = isLoopbackHost(base.hostname);
  if (base.protocol !== 'https:' && !(base.protocol === 'http:' && loopback)) {
    throw new UsageError(
      '--url must be https:// (or http:// to a loopback address): the body carries the key',
    );
  }
  if (base.search !== '' || base.hash !== '')
    throw new UsageError('--url must not have a query or a fragment');
  return new URL(`${base.pathname.replace(/\/+$/, '')}/${route}`, base.origin);
}

function writeKey(file: string, secretKey: string) {
  try {
    writeFileSync(file, `${secretKey}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'EEXIST' ? 'it exists already' : 'it cannot be written';
    throw new UsageError(`--key-out: not writing the key to that file: ${reason}`);
  }
}

/** With no --key-out, an unknown outcome still leaves the key in a file only this user can read. */
function keptKeyFile(secretKey: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'rotator-')), 'key');
  writeKey(file, secretKey);
  return file;
}

async function authenticate(
  url: URL,
  body: string,
  awsIam: boolean,
  idempotencyKey: string,
  method: 'POST' | 'GET',
): Promise<Record<string, string>> {
  const token = process.env.ROTATOR_TOKEN;
  const secret = process.env.ROTATOR_WEBHOOK_SECRET;
  const kinds = [token, secret, awsIam || undefined].filter(Boolean).length;
  if (kinds !== 1)
    throw new UsageError('set exactly one of ROTATOR_TOKEN, ROTATOR_WEBHOOK_SECRET or --aws-iam');
  const json = { 'content-type': 'application/json' };
  // A webhook's id is its redelivery key; every other caller's is the Idempotency-Key header.
  if (secret)
    return { ...json, ...webhookHeaders(secret, idempotencyKey, Math.floor(Date.now() / 1000), body) };
  const keyed = { ...json, 'idempotency-key': idempotencyKey };
  if (token) return { ...keyed, authorization: `Bearer ${token}` };
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  return sigV4Headers(url, method, body, keyed, region);
}

/** Errors that mean the request never left this machine: nothing can have changed. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

async function send(
  url: URL,
  request: { method: 'POST' | 'GET'; headers: Record<string, string>; body?: string },
): Promise<Answer> {
  let response: Response;
  try {
    // Never follow a redirect: it would carry the key, and the signed headers, to wherever it points.
    response = await fetch(url, { ...request, redirect: 'manual' });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = printable(cause?.code ?? cause?.message ?? (error as Error).message);
    return cause?.code !== undefined && NOT_SENT.has(cause.code)
      ? { outcome: 'refused', code: 'ConnectionFailed', message: `the request could not be sent (${reason})` }
      : { outcome: 'unknown', code: 'ConnectionFailed', message: `the connection failed (${reason})` };
  }
  return readAnswer(response.status, await response.text());
}

/** `rotator status`: GET /zones/{ZoneId}, the live key's fingerprint and the last rotation applied. */
async function status(args: string[]): Promise<number> {
  const values = options(args);
  if (values.help) {
    console.log(USAGE);
    return EXIT.rotated;
  }
  if (!values.url || !values.zone) throw new UsageError('--url and --zone are required');
  const awsIam = values['aws-iam'];
  const endpoint = rotateUrl(values.url, `${awsIam ? 'iam/' : ''}zones/${encodeURIComponent(values.zone)}`);
  const headers = await authenticate(endpoint, '', awsIam, `sts_${randomUUID()}`, 'GET');
  const answer = await send(endpoint, { method: 'GET', headers });
  if (answer.outcome !== 'status') return reportFailure(failureOf(answer, 'not a zone status'), values.json);
  if (values.json) console.log(JSON.stringify(answer.status));
  else for (const line of describeStatus(answer.status)) console.log(line);
  return EXIT.rotated;
}

function describeStatus(status: ZoneStatusAnswer): string[] {
  const last = status.LastRotation;
  return [
    `ZoneId: ${status.ZoneId}`,
    `LiveKeyFingerprint: ${status.LiveKeyFingerprint ?? 'none: the zone has no key yet (its first rotation creates one)'}`,
    last
      ? `LastRotation: ${last.At} by ${last.By}, key ${last.KeyFingerprint} (${last.Live ? 'live' : 'no longer live'}), RequestId ${last.RequestId}`
      : 'LastRotation: none by this function',
    ...(status.Sync
      ? [
          `Sync: last verified ${status.Sync.LastVerified ?? 'never'}, ${status.Sync.ConsecutiveFailures} failed in a row${status.Sync.NeedsAttention ? ': NEEDS ATTENTION' : ''}`,
        ]
      : []),
  ];
}

function reportDryRun(answer: Answer, json: boolean): number {
  if (answer.outcome === 'dry-run') {
    const { requestId, hasKey, keyFingerprint, live } = answer;
    if (json) {
      console.log(
        JSON.stringify({
          DryRun: true,
          RequestId: requestId,
          HasKey: hasKey,
          KeyFingerprint: keyFingerprint,
          Live: live,
        }),
      );
    } else {
      const would = live
        ? 'this key is live already (a rotation to it would change nothing)'
        : hasKey
          ? 'the rotation would be sent'
          : 'the zone has no key yet: its first would be created';
      const key = keyFingerprint ? `, key ${keyFingerprint}` : '';
      console.log(`DryRun: ${would}; nothing changed (RequestId ${requestId}${key})`);
    }
    return EXIT.rotated;
  }
  // A dry run changes nothing, whatever the answer: there is never anything to resend.
  return reportFailure(failureOf(answer, 'not a dry run’s answer'), json);
}

/** What went wrong, from an answer that is not the one expected. */
const failureOf = (answer: Answer, unexpected: string) =>
  answer.outcome === 'refused' || answer.outcome === 'unknown'
    ? { code: answer.code, message: answer.message }
    : { code: 'UnexpectedAnswer', message: unexpected };

function reportFailure({ code, message }: { code: string; message: string }, json: boolean): number {
  if (json) console.log(JSON.stringify({ Outcome: 'refused', Error: { Code: code, Message: message } }));
  else console.error(`error: ${code}: ${message}`);
  return EXIT.refused;
}

interface ReportOptions {
  readonly json: boolean;
  readonly printKey: boolean;
  readonly resend: {
    readonly url: string;
    readonly zone: string;
    readonly idempotencyKey: string;
    readonly awsIam: boolean;
    readonly keyFile: string | undefined;
  };
}

function report(answer: Answer, secretKey: string, { json, printKey, resend }: ReportOptions): number {
  if (answer.outcome === 'dry-run' || answer.outcome === 'status') {
    return report(
      { outcome: 'unknown', code: 'UnexpectedAnswer', message: 'not a rotation’s answer' },
      secretKey,
      {
        json,
        printKey,
        resend,
      },
    );
  }
  if (answer.outcome === 'rotated') {
    const result = {
      RequestId: answer.requestId,
      ...(answer.keyFingerprint && { KeyFingerprint: answer.keyFingerprint }),
      ...(answer.settledBy && { SettledBy: answer.settledBy }),
      ...(answer.firstKey && { FirstKey: true }),
      ...(printKey && { SecretKey: secretKey }),
      ...(resend.keyFile && { KeyFile: resend.keyFile }),
    };
    if (json) console.log(JSON.stringify(result));
    else for (const [name, value] of Object.entries(result)) console.log(`${name}: ${value}`);
    return EXIT.rotated;
  }
  const error = { Code: answer.code, Message: answer.message };
  if (answer.outcome === 'refused') {
    if (json) console.log(JSON.stringify({ Outcome: 'refused', Error: error }));
    else console.error(`error: ${answer.code}: ${answer.message}`);
    return EXIT.refused;
  }
  const command = (...extra: string[]) =>
    [
      `${invokedAs(process.env, process.argv[1] ?? 'rotator')} rotate`,
      `--url ${shellQuote(resend.url)}`,
      `--zone ${shellQuote(resend.zone)}`,
      '--key -',
      ...extra,
      ...(resend.awsIam ? ['--aws-iam'] : []),
      `< ${shellQuote(resend.keyFile ?? '')}`,
    ].join(' ');
  const resendCommand = command(`--idempotency-key ${shellQuote(resend.idempotencyKey)}`);
  // The fingerprint is keyed: only the function can say whether this key is the live one, and a dry run asks it.
  const checkCommand = command('--dry-run');
  if (json) {
    console.log(
      JSON.stringify({
        Outcome: 'unknown',
        Error: error,
        KeyFile: resend.keyFile,
        Resend: resendCommand,
        Check: checkCommand,
      }),
    );
  } else {
    console.error(`error: ${answer.code}: ${answer.message}
The outcome is unknown: the key may already be live in TEO. It is kept in ${resend.keyFile}.
Send the same request again, with the same key and Idempotency-Key (repeating it is harmless):
  ${resendCommand}
To see whether it is live without changing anything:
  ${checkCommand}`);
  }
  return EXIT.unknown;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(
      error instanceof UsageError ? `${error.message}\n\n${USAGE}` : `error: ${printable(error.message)}`,
    );
    process.exit(error instanceof UsageError ? EXIT.usage : EXIT.refused);
  },
);
