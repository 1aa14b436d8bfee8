// A loopback stand-in for AWS Secrets Manager's JSON 1.1 API (GetSecretValue), reached through the standard
// AWS_ENDPOINT_URL_SECRETS_MANAGER: it checks each request's SigV4 signature as AWS would, and answers as AWS does.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4 } from '../../local/sigv4-verifier.ts';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const ACCESS_KEY = { id: 'AKIAFAKESECRETSTANDIN', secret: 'FakeSecretsManagerStandInSecretKey000000' };

export interface SecretsManagerStandIn {
  /** What a function's environment needs to reach it: the endpoint variable, region and fake keys. */
  readonly env: Readonly<Record<string, string>>;
  /** Every operation received, in order, with the secret it named. */
  readonly calls: { readonly operation: string; readonly secretId: string }[];
  arnOf(name: string): string;
  /** Sets a secret's value (creating it), as PutSecretValue would. */
  put(name: string, value: string): void;
  /** The next requests are answered with this AWS error instead. */
  failNext(code: string, times?: number): void;
  close(): Promise<void>;
}

export async function startSecretsManagerStandIn(): Promise<SecretsManagerStandIn> {
  const secrets = new Map<string, string>();
  const calls: { operation: string; secretId: string }[] = [];
  const failures: string[] = [];
  const arnOf = (name: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`;
  const nameOf = (id: string) =>
    id.startsWith('arn:') ? id.replace(/^.*:secret:(.+)-[A-Za-z0-9]{6}$/, '$1') : id;

  const answer = (response: http.ServerResponse, status: number, body: unknown) =>
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
  const error = (response: http.ServerResponse, code: string, message: string) =>
    answer(response, 400, { __type: code, message });

  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
    );
    const verdict = verifySigV4(
      { method: request.method ?? '', path: '/', query: '', headers, body },
      {
        [ACCESS_KEY.id]: { secretAccessKey: ACCESS_KEY.secret, arn: `arn:aws:iam::${ACCOUNT}:role/function` },
      },
      Date.now(),
      { services: ['secretsmanager'], region: REGION },
    );
    if ('refused' in verdict) return error(response, 'InvalidSignatureException', verdict.refused);
    const operation = (headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
    const input = JSON.parse(body.toString('utf8') || '{}') as { SecretId?: string };
    calls.push({ operation, secretId: input.SecretId ?? '' });
    const failure = failures.shift();
    if (failure) return error(response, failure, `Injected ${failure}.`);
    if (operation !== 'GetSecretValue')
      return error(response, 'InvalidAction', `${operation} is not stood in for.`);
    const name = nameOf(input.SecretId ?? '');
    const value = secrets.get(name);
    if (value === undefined) {
      return error(response, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    }
    answer(response, 200, {
      ARN: arnOf(name),
      Name: name,
      SecretString: value,
      VersionStages: ['AWSCURRENT'],
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    env: {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${port}`,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: ACCESS_KEY.id,
      AWS_SECRET_ACCESS_KEY: ACCESS_KEY.secret,
    },
    calls,
    arnOf,
    put: (name, value) => void secrets.set(name, value),
    failNext: (code, times = 1) => void failures.push(...Array<string>(times).fill(code)),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
