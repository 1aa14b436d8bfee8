// A loopback stand-in for AWS Secrets Manager's JSON 1.1 API, reached through the standard
// AWS_ENDPOINT_URL_SECRETS_MANAGER. It checks each request's SigV4 signature as AWS would, keeps secrets as versions
// with staging labels, and answers the operations the functions use as AWS documents them, errors included (with
// their HTTP statuses: InternalServiceError is a 500, the others 400s), BatchGetSecretValue's published rate
// (100 requests a second a Region, ThrottlingException beyond: the Secrets Manager quotas page) and latency.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4 } from '../../local/sigv4-verifier.ts';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const ACCESS_KEY = { id: 'AKIAFAKESECRETSTANDIN', secret: 'FakeSecretsManagerStandInSecretKey000000' };
const CURRENT = 'AWSCURRENT';

/** The ARN the stand-in gives a secret: its name, a hyphen and six characters, as AWS does. */
export const secretArn = (name: string) =>
  `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`;
const PREVIOUS = 'AWSPREVIOUS';

/** Epoch seconds, as AWS's CreatedDate: later for each version made, however fast the test makes them. */
let lastCreated = 0;
const createdNow = () => {
  lastCreated = Math.max(Date.now() / 1000, lastCreated + 0.001);
  return lastCreated;
};

/** One secret: its versions, each with a value (once put), its staging labels and when it was created. */
export class StoredSecret {
  rotationEnabled = true;
  readonly versions = new Map<string, { value?: string; stages: string[]; created?: number }>();
  constructor(value: string) {
    this.versions.set('v-initial', { value, stages: [CURRENT], created: createdNow() });
  }
  /** What RotateSecret does before invoking the rotation function: a version id staged AWSPENDING, no value yet. */
  startRotation() {
    const token = randomUUID();
    this.versions.set(token, { stages: ['AWSPENDING'] });
    return token;
  }
  versionWith(stage: string) {
    return [...this.versions].find(([, version]) => version.stages.includes(stage));
  }
  /** Moves a label to a version, taking it from whichever version had it. */
  moveStage(stage: string, to: string) {
    for (const version of this.versions.values())
      version.stages = version.stages.filter((name) => name !== stage);
    this.versions.get(to)?.stages.push(stage);
  }
  /** AWS's own rule: the version losing AWSCURRENT gets AWSPREVIOUS. */
  makeCurrent(to: string) {
    const [previous] = this.versionWith(CURRENT) ?? [];
    if (previous !== undefined && previous !== to) this.moveStage(PREVIOUS, previous);
    this.moveStage(CURRENT, to);
  }
  valueOf(stage: string) {
    return JSON.parse(this.versionWith(stage)?.[1].value ?? '{}');
  }
}

export interface SecretsManagerStandIn {
  /** What a function's environment needs to reach it: the endpoint variable, region and fake keys. */
  readonly env: Readonly<Record<string, string>>;
  /** Every operation received, in order, with the secret it named (a batch's, joined by commas). */
  readonly calls: { readonly operation: string; readonly secretId: string }[];
  arnOf(name: string): string;
  /** Sets a secret's value as a new AWSCURRENT version, creating the secret if need be. */
  put(name: string, value: string): StoredSecret;
  /** The secret itself, to look at or rearrange. */
  secret(name: string): StoredSecret;
  /** The next requests are answered with this AWS error instead. */
  failNext(code: string, times?: number): void;
  /**
   * The next call of `operation` whose input has these fields is answered with this AWS error instead; for
   * GetSecretValue, also the next batch read of that secret (an entry of BatchGetSecretValue's Errors).
   */
  failCall(operation: string, fields: Readonly<Record<string, string>>, code: string): void;
  /** How many times an operation was called. */
  count(operation: string): number;
  close(): Promise<void>;
}

type Input = Readonly<Record<string, unknown>>;
class AwsFault {
  readonly code: string;
  readonly message: string;
  constructor(code: string, message: string) {
    this.code = code;
    this.message = message;
  }
}

export interface SecretsManagerOptions {
  /** Added to every answer. */
  readonly latencyMs?: number;
  /** BatchGetSecretValue calls a second; AWS's quota is 100. */
  readonly batchPerSecond?: number;
  /** The rate's clock. */
  readonly now?: () => number;
}

/** Errors AWS answers with a 5xx; every other error of these operations is the caller's, a 400. */
const SERVER_ERRORS = new Set(['InternalServiceError']);
/** BatchGetSecretValue's own limit on SecretIdList. */
const BATCH_LIMIT = 20;

export async function startSecretsManagerStandIn({
  latencyMs = 0,
  batchPerSecond = 100,
  now = Date.now,
}: SecretsManagerOptions = {}): Promise<SecretsManagerStandIn> {
  const batchCalls: number[] = [];
  const secrets = new Map<string, StoredSecret>();
  const calls: { operation: string; secretId: string }[] = [];
  const failures: string[] = [];
  const failingCalls: { operation: string; fields: Readonly<Record<string, string>>; code: string }[] = [];
  const arnOf = secretArn;
  const nameOf = (id: string) =>
    id.startsWith('arn:') ? id.replace(/^.*:secret:(.+)-[A-Za-z0-9]{6}$/, '$1') : id;
  const text = (input: Input, field: string) => (typeof input[field] === 'string' ? input[field] : undefined);
  const find = (input: Input) => {
    const name = nameOf(text(input, 'SecretId') ?? '');
    const secret = secrets.get(name);
    if (secret === undefined) {
      throw new AwsFault('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    }
    return { name, secret };
  };

  const operations: Record<string, (input: Input) => unknown> = {
    DescribeSecret(input) {
      const { name, secret } = find(input);
      return {
        ARN: arnOf(name),
        Name: name,
        RotationEnabled: secret.rotationEnabled,
        // AWS leaves the field out for a secret with no version.
        ...(secret.versions.size > 0 && {
          VersionIdsToStages: Object.fromEntries(
            [...secret.versions].map(([id, { stages }]) => [id, [...stages]]),
          ),
        }),
      };
    },
    GetSecretValue(input) {
      const { name, secret } = find(input);
      const versionId = text(input, 'VersionId');
      const stage = text(input, 'VersionStage');
      const [id, version] = versionId
        ? [versionId, secret.versions.get(versionId)]
        : (secret.versionWith(stage ?? CURRENT) ?? []);
      if (version?.value === undefined || (stage !== undefined && !version.stages.includes(stage))) {
        throw new AwsFault(
          'ResourceNotFoundException',
          "Secrets Manager can't find the specified secret value.",
        );
      }
      return {
        ARN: arnOf(name),
        Name: name,
        VersionId: id,
        SecretString: version.value,
        VersionStages: version.stages,
        // AWS documents it on every answer: when this version was made.
        CreatedDate: version.created ?? createdNow(),
      };
    },
    BatchGetSecretValue(input) {
      const at = now();
      while (batchCalls.length > 0 && (batchCalls[0] as number) <= at - 1000) batchCalls.shift();
      if (batchCalls.length >= batchPerSecond) throw new AwsFault('ThrottlingException', 'Rate exceeded');
      batchCalls.push(at);
      const ids = Array.isArray(input.SecretIdList) ? (input.SecretIdList as unknown[]) : [];
      if (ids.length === 0 || ids.length > BATCH_LIMIT || !ids.every((id) => typeof id === 'string')) {
        throw new AwsFault('ValidationException', 'SecretIdList must hold 1 to 20 secret ids.');
      }
      const SecretValues: unknown[] = [];
      const Errors: unknown[] = [];
      for (const SecretId of ids as string[]) {
        try {
          // A read of one secret failed with failCall('GetSecretValue', ...) is that secret's entry in Errors.
          const failing = failingCalls.findIndex(
            (call) => call.operation === 'GetSecretValue' && call.fields.SecretId === SecretId,
          );
          const failure = failingCalls.splice(failing, failing < 0 ? 0 : 1)[0]?.code;
          if (failure) throw new AwsFault(failure, `Injected ${failure}.`);
          SecretValues.push(operations.GetSecretValue?.({ SecretId }));
        } catch (error) {
          if (!(error instanceof AwsFault)) throw error;
          Errors.push({ SecretId, ErrorCode: error.code, Message: error.message });
        }
      }
      return { SecretValues, Errors };
    },
    PutSecretValue(input) {
      const { name, secret } = find(input);
      const token = text(input, 'ClientRequestToken') ?? randomUUID();
      const value = text(input, 'SecretString');
      const stages = Array.isArray(input.VersionStages) ? (input.VersionStages as string[]) : undefined;
      if (stages?.length === 0) {
        throw new AwsFault('ValidationException', 'VersionStages must have at least 1 item.');
      }
      const existing = secret.versions.get(token);
      if (existing?.value !== undefined && existing.value !== value) {
        throw new AwsFault(
          'ResourceExistsException',
          'A version with this ClientRequestToken already exists.',
        );
      }
      secret.versions.set(token, {
        ...(value !== undefined && { value }),
        stages: existing?.stages ?? [],
        created: existing?.created ?? createdNow(),
      });
      // Without VersionStages, AWS makes the new version AWSCURRENT.
      if (stages === undefined) secret.makeCurrent(token);
      else for (const stage of stages) secret.moveStage(stage, token);
      return { ARN: arnOf(name), Name: name, VersionId: token };
    },
    UpdateSecretVersionStage(input) {
      const { name, secret } = find(input);
      const stage = text(input, 'VersionStage') ?? '';
      const to = text(input, 'MoveToVersionId');
      const from = text(input, 'RemoveFromVersionId');
      const [holder] = secret.versionWith(stage) ?? [];
      if (holder !== undefined && to !== undefined && holder !== to && holder !== from) {
        throw new AwsFault(
          'InvalidParameterException',
          `The label ${stage} is on another version: name it in RemoveFromVersionId.`,
        );
      }
      if (to !== undefined && !secret.versions.has(to)) {
        throw new AwsFault('ResourceNotFoundException', 'The version to move to does not exist.');
      }
      if (to === undefined) secret.versions.get(from ?? '')?.stages.splice(0);
      else if (stage === CURRENT) secret.makeCurrent(to);
      else secret.moveStage(stage, to);
      return { ARN: arnOf(name), Name: name };
    },
  };

  const answer = (response: http.ServerResponse, status: number, body: unknown) =>
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));

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
    if ('refused' in verdict)
      return answer(response, 400, { __type: 'InvalidSignatureException', message: verdict.refused });
    const operation = (headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
    const input = JSON.parse(body.toString('utf8') || '{}') as Input;
    const named = Array.isArray(input.SecretIdList) ? input.SecretIdList.join(',') : text(input, 'SecretId');
    calls.push({ operation, secretId: named ?? '' });
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    try {
      const matching = failingCalls.findIndex(
        (call) =>
          call.operation === operation &&
          Object.entries(call.fields).every(([name, value]) => input[name] === value),
      );
      const failure = failures.shift() ?? failingCalls.splice(matching, matching < 0 ? 0 : 1)[0]?.code;
      if (failure) throw new AwsFault(failure, `Injected ${failure}.`);
      const handle = operations[operation];
      if (handle === undefined) throw new AwsFault('InvalidAction', `${operation} is not stood in for.`);
      answer(response, 200, handle(input));
    } catch (error) {
      if (!(error instanceof AwsFault)) throw error;
      answer(response, SERVER_ERRORS.has(error.code) ? 500 : 400, {
        __type: error.code,
        message: error.message,
      });
    }
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
    put(name, value) {
      const secret = secrets.get(name);
      if (secret === undefined) {
        const created = new StoredSecret(value);
        secrets.set(name, created);
        return created;
      }
      operations.PutSecretValue?.({ SecretId: name, SecretString: value });
      return secret;
    },
    secret(name) {
      const secret = secrets.get(name);
      if (secret === undefined) throw new Error(`no secret ${name}`);
      return secret;
    },
    failNext: (code, times = 1) => void failures.push(...Array<string>(times).fill(code)),
    failCall: (operation, fields, code) => void failingCalls.push({ operation, fields, code }),
    count: (operation) => calls.filter((call) => call.operation === operation).length,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
