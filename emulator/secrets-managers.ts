// Loopback stand-ins for the Doppler and Infisical APIs the sync function reads (docs/contract.md §8): token checks,
// the documented list answers and error bodies, a version per Infisical secret, each vendor's published rate limit
// per token (429 with Retry-After beyond it), latency, and faults for the next requests.
//
// Known: the list endpoints' paths, parameters and answers (Doppler's own CLI, pkg/http/api.go GetSecrets and
// pkg/models APISecretResponse; Infisical's API reference, GET /api/v4/secrets); the limits (Doppler: 240 reads a
// minute per service token on the Team plan, as issue 27 quotes it; Infisical Cloud: 120 secret operations a minute,
// its API reference's overview). Inferred: how the window is counted (a sliding minute here), and that Retry-After
// gives the seconds until a request would be admitted (Doppler's CLI retries 429s; neither documents the header).
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { listenOnLoopback } from './loopback-server.ts';

/** What the next request meets instead of a normal answer. */
export type ManagerFault = { readonly status: number } | { readonly delayMs: number };

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ManagerOptions {
  /** Requests a minute each token may make; more are answered 429 with Retry-After. Unlimited unless set. */
  readonly perMinute?: number;
  /** Added to every answer, as the network and the vendor's own time would. */
  readonly latencyMs?: number;
  /** The limit's clock: a test's, so that a wait it makes is seen here without waiting. */
  readonly now?: () => number;
}

const MINUTE_MS = 60_000;

/** A sliding minute per token: how long until the token may ask again, or 0 when it may now (and is counted). */
function perTokenLimit({ perMinute = Number.POSITIVE_INFINITY, now = Date.now }: ManagerOptions) {
  const seen = new Map<string, number[]>();
  return (token: string) => {
    const at = now();
    const recent = (seen.get(token) ?? []).filter((time) => time > at - MINUTE_MS);
    seen.set(token, recent);
    if (recent.length >= perMinute) return (recent[0] as number) + MINUTE_MS - at;
    recent.push(at);
    return 0;
  };
}

const throttled = (waitMs: number, body: unknown): Answer => ({
  status: 429,
  body,
  headers: { 'retry-after': String(Math.ceil(waitMs / 1000)) },
});

export interface ManagerEmulator {
  readonly url: string;
  /** Each request's method and path, in order. */
  readonly calls: string[];
  inject(...faults: ManagerFault[]): void;
  close(): Promise<void>;
}

async function serveJson(
  route: (request: http.IncomingMessage, url: URL, body: string) => Answer,
  faults: ManagerFault[],
  calls: string[],
  latencyMs = 0,
) {
  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of request) chunks.push(chunk as Buffer);
    } catch {
      return void request.socket.destroy();
    }
    const url = new URL(request.url ?? '/', 'http://emulator');
    calls.push(`${request.method} ${url.pathname}`);
    const fault = faults.shift();
    const delayMs = latencyMs + (fault && 'delayMs' in fault ? fault.delayMs : 0);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const answer: Answer =
      fault && 'status' in fault
        ? { status: fault.status, body: { message: `Injected HTTP ${fault.status}.` } }
        : route(request, url, Buffer.concat(chunks).toString('utf8'));
    if (!response.destroyed)
      response
        .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
        .end(JSON.stringify(answer.body));
  });
  return listenOnLoopback(server);
}

const bearer = (request: http.IncomingMessage) =>
  /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];

export interface DopplerEmulator extends ManagerEmulator {
  set(project: string, config: string, name: string, value: string): void;
}

/**
 * Doppler's `GET /v3/configs/config/secrets` (the named `secrets=` only, when given), with a service token. Errors:
 * `{"messages": [...], "success": false}`.
 */
export async function startDopplerEmulator(
  token: string,
  options: ManagerOptions = {},
): Promise<DopplerEmulator> {
  const secrets = new Map<string, string>();
  const faults: ManagerFault[] = [];
  const calls: string[] = [];
  const admit = perTokenLimit(options);
  const refuse = (status: number, message: string): Answer => ({
    status,
    body: { messages: [message], success: false },
  });
  const server = await serveJson(
    (request, url) => {
      const given = bearer(request);
      if (given !== token) return refuse(401, 'Invalid Auth token');
      const waitMs = admit(given);
      if (waitMs > 0) return throttled(waitMs, { messages: ['Too many requests'], success: false });
      if (request.method !== 'GET' || url.pathname !== '/v3/configs/config/secrets')
        return refuse(404, 'Not found');
      const [project, config] = ['project', 'config'].map((field) => url.searchParams.get(field) ?? '');
      const prefix = `${project}/${config}/`;
      const names = url.searchParams.get('secrets')?.split(',');
      const listed = [...secrets]
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, value]) => [key.slice(prefix.length), value] as const)
        .filter(([name]) => names === undefined || names.includes(name));
      if (listed.length === 0 && names === undefined) return refuse(404, 'Could not find requested config');
      return {
        status: 200,
        body: {
          success: true,
          secrets: Object.fromEntries(
            listed.map(([name, value]) => [name, { raw: value, computed: value, note: '' }]),
          ),
        },
      };
    },
    faults,
    calls,
    options.latencyMs,
  );
  return {
    ...server,
    calls,
    set: (project, config, name, value) => void secrets.set(`${project}/${config}/${name}`, value),
    inject: (...added) => void faults.push(...added),
  };
}

export interface InfisicalEmulator extends ManagerEmulator {
  /** Sets a secret's value, as a new version. */
  set(projectId: string, environment: string, secretPath: string, name: string, value: string): void;
  /** Revokes every access token given so far, as an expiry or a revocation would. */
  revokeTokens(): void;
}

/**
 * Infisical's Universal Auth login and `GET /api/v4/secrets` (one folder's secrets). Errors: `{statusCode, message,
 * error}`.
 */
export async function startInfisicalEmulator(
  clientId: string,
  clientSecret: string,
  options: ManagerOptions = {},
): Promise<InfisicalEmulator> {
  const admit = perTokenLimit(options);
  const secrets = new Map<string, { value: string; version: number }>();
  const tokens = new Set<string>();
  const faults: ManagerFault[] = [];
  const calls: string[] = [];
  const refuse = (status: number, message: string, error: string): Answer => ({
    status,
    body: { statusCode: status, message, error },
  });
  const server = await serveJson(
    (request, url, body) => {
      if (request.method === 'POST' && url.pathname === '/api/v1/auth/universal-auth/login') {
        let credentials: unknown;
        try {
          credentials = JSON.parse(body);
        } catch {
          return refuse(400, 'Invalid JSON', 'BadRequest');
        }
        const given = (credentials ?? {}) as Record<string, unknown>;
        if (given.clientId !== clientId || given.clientSecret !== clientSecret) {
          return refuse(401, 'Invalid credentials', 'Unauthorized');
        }
        const accessToken = `infisical-${randomUUID()}`;
        tokens.add(accessToken);
        return {
          status: 200,
          body: { accessToken, expiresIn: 7200, accessTokenMaxTTL: 7200, tokenType: 'Bearer' },
        };
      }
      if (request.method !== 'GET' || url.pathname !== '/api/v4/secrets')
        return refuse(404, 'Route not found', 'NotFound');
      const token = bearer(request) ?? '';
      if (!tokens.has(token)) return refuse(401, 'Token invalid', 'UnauthorizedError');
      const waitMs = admit(token);
      if (waitMs > 0) {
        return throttled(waitMs, {
          statusCode: 429,
          message: 'Rate limit exceeded. Please try again later.',
          error: 'TooManyRequests',
        });
      }
      const folder = `${['projectId', 'environment', 'secretPath'].map((field) => url.searchParams.get(field) ?? '').join('|')}|`;
      return {
        status: 200,
        body: {
          secrets: [...secrets]
            .filter(([key]) => key.startsWith(folder))
            .map(([key, { value, version }]) => ({
              secretKey: key.slice(folder.length),
              secretValue: value,
              version,
              type: 'shared',
            })),
          imports: [],
        },
      };
    },
    faults,
    calls,
    options.latencyMs,
  );
  return {
    ...server,
    calls,
    set(projectId, environment, secretPath, name, value) {
      const key = `${projectId}|${environment}|${secretPath}|${name}`;
      secrets.set(key, { value, version: (secrets.get(key)?.version ?? 0) + 1 });
    },
    revokeTokens: () => tokens.clear(),
    inject: (...added) => void faults.push(...added),
  };
}
