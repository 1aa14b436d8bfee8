// Loopback stand-ins for the Doppler and Infisical APIs the sync function reads (docs/contract.md §8): token checks,
// the documented answers and error bodies, a version per Infisical secret, and faults for the next requests.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the next request meets instead of a normal answer. */
export type ManagerFault = { readonly status: number } | { readonly delayMs: number };

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

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
    if (fault && 'delayMs' in fault) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    const answer =
      fault && 'status' in fault
        ? { status: fault.status, body: { message: `Injected HTTP ${fault.status}.` } }
        : route(request, url, Buffer.concat(chunks).toString('utf8'));
    if (!response.destroyed)
      response
        .writeHead(answer.status, { 'content-type': 'application/json' })
        .end(JSON.stringify(answer.body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

const bearer = (request: http.IncomingMessage) =>
  /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];

export interface DopplerEmulator extends ManagerEmulator {
  set(project: string, config: string, name: string, value: string): void;
}

/** Doppler's `GET /v3/configs/config/secret`, with a service token. Errors: `{"messages": [...], "success": false}`. */
export async function startDopplerEmulator(token: string): Promise<DopplerEmulator> {
  const secrets = new Map<string, string>();
  const faults: ManagerFault[] = [];
  const calls: string[] = [];
  const refuse = (status: number, message: string): Answer => ({
    status,
    body: { messages: [message], success: false },
  });
  const server = await serveJson(
    (request, url) => {
      if (bearer(request) !== token) return refuse(401, 'Invalid Auth token');
      if (request.method !== 'GET' || url.pathname !== '/v3/configs/config/secret')
        return refuse(404, 'Not found');
      const [project, config, name] = ['project', 'config', 'name'].map(
        (field) => url.searchParams.get(field) ?? '',
      );
      const value = secrets.get(`${project}/${config}/${name}`);
      if (value === undefined) return refuse(404, 'Could not find requested secret');
      return { status: 200, body: { name, value: { raw: value, computed: value, note: '' }, success: true } };
    },
    faults,
    calls,
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

/** Infisical's Universal Auth login and `GET /api/v4/secrets/{name}`. Errors: `{statusCode, message, error}`. */
export async function startInfisicalEmulator(
  clientId: string,
  clientSecret: string,
): Promise<InfisicalEmulator> {
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
      const name = /^\/api\/v4\/secrets\/([^/]+)$/.exec(url.pathname)?.[1];
      if (request.method !== 'GET' || name === undefined) return refuse(404, 'Route not found', 'NotFound');
      if (!tokens.has(bearer(request) ?? '')) return refuse(401, 'Token invalid', 'UnauthorizedError');
      const key = ['projectId', 'environment', 'secretPath']
        .map((field) => url.searchParams.get(field) ?? '')
        .join('|');
      const secret = secrets.get(`${key}|${decodeURIComponent(name)}`);
      if (secret === undefined) return refuse(404, 'Secret not found', 'NotFound');
      return {
        status: 200,
        body: {
          secret: {
            secretKey: decodeURIComponent(name),
            secretValue: secret.value,
            version: secret.version,
            type: 'shared',
          },
        },
      };
    },
    faults,
    calls,
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
