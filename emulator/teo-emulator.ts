// A loopback stand-in for TEO's API 3.0 gateway (version 2022-09-01): Modify-, Create- and
// DescribeMultiPathGatewaySecretKey, signature checks, parameter rules, the 20 requests/s limit of each action, zones
// without a key, and faults. What TEO answers for a zone without a key is not documented: docs/contract.md §1 says
// what is known and what the emulator infers.
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyTc3Request } from './tc3-signature.ts';

export const API_VERSION = '2022-09-01';
export const RATE_LIMIT_PER_SECOND = 20;
const MAX_BODY_BYTES = 1024 * 1024;

/** What the next matching request meets instead of a normal answer. */
export type Fault = (
  | { kind: 'latency' }
  | { kind: 'error'; code: string }
  | { kind: 'http-status'; status: number }
  | { kind: 'non-json' }
  | { kind: 'drop' }
) & {
  /** Wait this long before answering (or dropping). */
  delayMs?: number;
  /** A Modify takes effect even though the caller sees the fault; for latency, before the delay rather than after. */
  applied?: boolean;
};

/**
 * How Describe answers for a zone without a key; both are read as "no key yet" by Tencent's Terraform provider, and
 * which one TEO gives is not documented.
 */
export type KeylessDescribe = 'ResourceNotFound' | 'no-SecretKey';

export interface EmulatorOptions {
  /** SecretId → SecretKey of the accounts the emulator knows. */
  credentials: Readonly<Record<string, string>>;
  /** The zones that exist, with their current key (base64), or null for a zone that has none yet. */
  zones: Readonly<Record<string, string | null>>;
  port?: number;
  /** Requests a second for each action; TEO's documented limit unless set. */
  rateLimitPerSecond?: number;
  /** ResourceNotFound unless set. */
  keylessDescribe?: KeylessDescribe;
  /** The rate limit's clock: a test's, so that a caller pacing itself on that clock is judged by it. */
  now?: () => number;
  /** Added to every answer, as the network and TEO's own time would. */
  latencyMs?: number;
}

export interface EmulatedCall {
  readonly action: string;
  readonly zoneId: string | undefined;
  readonly answer: string;
  /** The RequestId it was answered with, if it was answered in TEO's envelope. */
  readonly requestId?: string;
}

/** A request the emulator holds: it has arrived, and is answered when the test says so. */
export interface HeldRequest {
  /** Resolves when the request has reached the emulator and passed its signature check. */
  readonly arrived: Promise<void>;
  /** Lets the emulator answer it (and apply a Modify), as it would have at once. */
  release(): void;
}

export interface TeoEmulator {
  readonly url: string;
  /** Every signed call that reached an action, in order, with what it was answered. */
  readonly calls: EmulatedCall[];
  /** The zone's key; undefined for a zone without one, or no such zone. */
  zoneKey(zoneId: string): string | undefined;
  /** Faults for the next requests that pass signature checks, in order. */
  inject(...faults: Fault[]): void;
  /** Drops the faults not yet met. */
  clearFaults(): void;
  /**
   * Accepts temporary credentials (Tencent's STS issued them): signed with their key and sent with their token
   * (X-TC-Token) until they end; after, or with another token, AuthFailure.TokenFailure.
   */
  acceptTemporary(credentials: {
    readonly secretId: string;
    readonly secretKey: string;
    readonly token: string;
    readonly expiresAt: number;
  }): void;
  /**
   * Holds the next request that passes the signature check (of `action`, if given) until `release()`: a TEO that is
   * slow for as long as the test needs, so a test orders what happens meanwhile without waiting on the clock.
   */
  holdNext(action?: string): HeldRequest;
  /**
   * Resolves once every request that has reached the emulator is answered (or dropped): a delayed answer to a call
   * its client gave up on lands before the next test starts, with no guess at how long to wait.
   */
  settled(): Promise<void>;
  close(): Promise<void>;
}

type Answer = { status: number; body: string } | { drop: true };

const teoAnswer = (response: Record<string, unknown>): Answer => ({
  status: 200,
  body: JSON.stringify({ Response: { ...response, RequestId: randomUUID() } }),
});
const teoError = (code: string, message: string) => teoAnswer({ Error: { Code: code, Message: message } });

/** TEO's documented rule: base64 that decodes to 32 to 48 bytes. */
const isValidKey = (key: unknown): key is string =>
  typeof key === 'string' &&
  /^[A-Za-z0-9+/]+={0,2}$/.test(key) &&
  key.length % 4 === 0 &&
  Buffer.byteLength(key, 'base64') >= 32 &&
  Buffer.byteLength(key, 'base64') <= 48;

const ACTIONS = new Set([
  'ModifyMultiPathGatewaySecretKey',
  'CreateMultiPathGatewaySecretKey',
  'DescribeMultiPathGatewaySecretKey',
]);

export async function startTeoEmulator(options: EmulatorOptions): Promise<TeoEmulator> {
  const zones = new Map(Object.entries(options.zones));
  const faults: Fault[] = [];
  const holds: {
    readonly action: string | undefined;
    readonly arrive: () => void;
    readonly released: Promise<void>;
  }[] = [];
  const calls: EmulatedCall[] = [];
  /** Each action's requests in the last second: TEO limits each action on its own. */
  const recent = new Map<string, number[]>();
  const limit = options.rateLimitPerSecond ?? RATE_LIMIT_PER_SECOND;
  const keylessDescribe = options.keylessDescribe ?? 'ResourceNotFound';

  const clock = options.now ?? Date.now;
  const temporary = new Map<string, { secretKey: string; token: string; expiresAt: number }>();
  const throttled = (action: string) => {
    const now = clock();
    const times = recent.get(action) ?? [];
    while (times.length > 0 && (times[0] ?? 0) <= now - 1000) times.shift();
    times.push(now);
    recent.set(action, times);
    return times.length > limit;
  };

  async function serve(request: http.IncomingMessage, body: Buffer): Promise<Answer> {
    const url = new URL(request.url ?? '/', 'http://emulator');
    if (request.method !== 'POST' || url.pathname !== '/')
      return teoError('InvalidParameter', 'POST / only.');
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
    );
    const verdict = verifyTc3Request(
      { method: 'POST', path: url.pathname, query: url.search.slice(1), headers, body },
      (secretId) => options.credentials[secretId] ?? temporary.get(secretId)?.secretKey,
      'teo',
      Math.floor(Date.now() / 1000),
    );
    if (!verdict.ok) return teoError(verdict.code, verdict.message);
    // Inferred: Tencent documents AuthFailure.TokenFailure as "token error"; an expired token is answered so too.
    const session = temporary.get(verdict.secretId);
    if (session !== undefined && (headers['x-tc-token'] !== session.token || clock() >= session.expiresAt)) {
      return teoError('AuthFailure.TokenFailure', 'The token is invalid or has expired.');
    }
    const held = holds.findIndex(({ action }) => action === undefined || action === headers['x-tc-action']);
    const [hold] = held === -1 ? [] : holds.splice(held, 1);
    if (hold) {
      hold.arrive();
      await hold.released;
    }
    if (headers['x-tc-version'] !== API_VERSION)
      return teoError('NoSuchVersion', `Version must be ${API_VERSION}.`);
    const action = headers['x-tc-action'] ?? '';
    if (!ACTIONS.has(action)) return teoError('InvalidAction', `The action ${action} is not emulated.`);
    let params: unknown;
    try {
      params = JSON.parse(body.toString('utf8'));
    } catch {
      return teoError('InvalidParameter', 'The body is not JSON.');
    }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      return teoError('InvalidParameter', 'The body must be a JSON object.');
    }
    const { ZoneId, SecretKey } = params as Record<string, unknown>;
    const zoneId = typeof ZoneId === 'string' ? ZoneId : undefined;
    const record = (answer: Answer) => {
      calls.push({ action, zoneId, ...describeAnswer(answer) });
      return answer;
    };
    const fault = faults.shift();
    // A fault that lets the call take effect: a write the zone would have accepted.
    const apply = () => {
      if (zoneId === undefined || !zones.has(zoneId) || !isValidKey(SecretKey)) return;
      const hasKey = zones.get(zoneId) !== null;
      if (
        action === 'ModifyMultiPathGatewaySecretKey'
          ? hasKey
          : action === 'CreateMultiPathGatewaySecretKey' && !hasKey
      )
        zones.set(zoneId, SecretKey);
    };
    const fields = params as Record<string, unknown>;
    if (fault) return record(await faulted(fault, apply, () => perform(action, fields, zoneId)));
    if (throttled(action))
      return record(teoError('RequestLimitExceeded', `More than ${limit} ${action} requests in a second.`));
    return record(perform(action, fields, zoneId));
  }

  function perform(action: string, params: Record<string, unknown>, zoneId: string | undefined): Answer {
    if (params.ZoneId === undefined) return teoError('MissingParameter', 'ZoneId is required.');
    if (zoneId === undefined) return teoError('InvalidParameterValue', 'ZoneId must be a string.');
    const key = zones.get(zoneId);
    if (key === undefined) return teoError('ResourceNotFound', `The zone ${zoneId} does not exist.`);
    if (action === 'DescribeMultiPathGatewaySecretKey') {
      if (key !== null) return teoAnswer({ SecretKey: key });
      return keylessDescribe === 'ResourceNotFound'
        ? teoError('ResourceNotFound', `The zone ${zoneId} has no multi-path gateway key.`)
        : teoAnswer({});
    }
    const creating = action === 'CreateMultiPathGatewaySecretKey';
    // Create's SecretKey is optional (TEO generates one); Modify's is required.
    if (params.SecretKey === undefined && !creating)
      return teoError('MissingParameter', 'SecretKey is required.');
    if (params.SecretKey !== undefined && !isValidKey(params.SecretKey)) {
      return teoError('InvalidParameterValue', 'SecretKey must be base64 that decodes to 32 to 48 bytes.');
    }
    if (creating && key !== null) {
      return teoError('OperationDenied', `The zone ${zoneId} has a key already; modify it instead.`);
    }
    if (!creating && key === null) {
      return teoError('ResourceNotFound', `The zone ${zoneId} has no key to modify; create one first.`);
    }
    zones.set(zoneId, (params.SecretKey as string | undefined) ?? randomBytes(32).toString('base64'));
    return teoAnswer({});
  }

  const answering = new Set<Promise<void>>();
  const server = http.createServer((request, response) => {
    const answered = respond(request, response).finally(() => answering.delete(answered));
    answering.add(answered);
  });

  async function respond(request: http.IncomingMessage, response: http.ServerResponse) {
    let answer: Answer;
    try {
      const body = await readBody(request);
      answer =
        body === undefined
          ? teoError('InvalidParameter', 'The body is over 1 MiB.')
          : await serve(request, body);
    } catch {
      // The client went away mid-body: there is no one to answer, and the emulator goes on serving the others.
      return void request.socket.destroy();
    }
    if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    if ('drop' in answer) request.socket.destroy();
    else response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  }
  server.listen(options.port ?? 0, '127.0.0.1');
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => Promise.reject(error)),
  ]);
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    zoneKey: (zoneId) => zones.get(zoneId) ?? undefined,
    inject: (...added) => void faults.push(...added),
    clearFaults: () => void faults.splice(0),
    acceptTemporary: ({ secretId, secretKey, token, expiresAt }) =>
      void temporary.set(secretId, { secretKey, token, expiresAt }),
    holdNext: (action) => {
      const arrival = Promise.withResolvers<void>();
      const release = Promise.withResolvers<void>();
      holds.push({ action, arrive: arrival.resolve, released: release.promise });
      return { arrived: arrival.promise, release: () => release.resolve() };
    },
    settled: async () => {
      // A turn of the event loop first: a request sent just now is read, and counted, before the set is looked at.
      do {
        await new Promise((turned) => setImmediate(turned));
        await Promise.all(answering);
      } while (answering.size > 0);
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** TEO's requests are a few hundred bytes; the body, or undefined past 1 MiB (what TEO's gateway refuses). */
async function readBody(request: http.IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of request) {
    received += (chunk as Buffer).byteLength;
    if (received > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** 'ok', TEO's error code, 'HTTP <status>', 'non-JSON' or 'dropped'; and the RequestId TEO's envelope carried. */
function describeAnswer(answer: Answer): { answer: string; requestId?: string } {
  if ('drop' in answer) return { answer: 'dropped' };
  if (answer.status !== 200) return { answer: `HTTP ${answer.status}` };
  try {
    const { Response } = JSON.parse(answer.body);
    return { answer: Response.Error?.Code ?? 'ok', requestId: Response.RequestId };
  } catch {
    return { answer: 'non-JSON' };
  }
}

async function faulted(fault: Fault, apply: () => void, normally: () => Answer): Promise<Answer> {
  const delay = () => new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 0));
  if (fault.kind === 'latency') {
    if (fault.applied) apply();
    await delay();
    return normally();
  }
  if (fault.applied) apply();
  await delay();
  switch (fault.kind) {
    case 'error':
      return teoError(fault.code, `Injected ${fault.code}.`);
    case 'http-status':
      return { status: fault.status, body: JSON.stringify({ message: `Injected HTTP ${fault.status}.` }) };
    case 'non-json':
      return { status: 200, body: '<html><body>Injected non-JSON answer.</body></html>' };
    case 'drop':
      return { drop: true };
  }
}
