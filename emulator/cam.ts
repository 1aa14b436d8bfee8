// A loopback stand-in for CAM's access-key actions (2019-01-16: ListAccessKeys, CreateAccessKey, UpdateAccessKey,
// DeleteAccessKey) as tccli's model documents them, on the caller's own keys (no TargetUin), TC3-signed for service
// cam. It shares the TEO emulator's key table: a created key signs TEO calls at once; an Inactive or deleted one is
// refused (Tencent's common code for a deleted or disabled key: AuthFailure.SecretIdNotFound).
// Known: at most two keys a user (CAM's quotas); a SecretAccessKey is shown only by CreateAccessKey. Inferred: the
// code for a third key (FailedOperation.Accesskey, "an error occurred while manipulating the access key").
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { listenOnLoopback, readRequest } from './loopback-server.ts';
import { verifyTc3Request } from './tc3-signature.ts';

interface StoredKey {
  readonly secretAccessKey: string;
  status: 'Active' | 'Inactive';
  readonly description: string;
  readonly createTime: string;
}

export interface CamStandIn {
  readonly url: string;
  /** Each action received, in order. */
  readonly calls: string[];
  /** The user's keys: id, status and description. */
  keys(): { accessKeyId: string; status: string; description: string }[];
  close(): Promise<void>;
}

const MAX_KEYS = 2;

/**
 * `teoKeys`: the TEO emulator's SecretId → SecretKey table, which this keeps to the user's Active keys. `user`: the
 * one sub-user's keys at the start (all Active).
 */
export async function startCamStandIn({
  teoKeys,
  user,
}: {
  teoKeys: Record<string, string>;
  user: Readonly<Record<string, string>>;
}): Promise<CamStandIn> {
  const keys = new Map<string, StoredKey>(
    Object.entries(user).map(([id, secretAccessKey]) => [
      id,
      { secretAccessKey, status: 'Active', description: '', createTime: new Date().toISOString() },
    ]),
  );
  const calls: string[] = [];
  const sync = () => {
    for (const [id, key] of keys) {
      if (key.status === 'Active') teoKeys[id] = key.secretAccessKey;
      else delete teoKeys[id];
    }
  };
  sync();
  const fail = (code: string, message: string) => ({ Error: { Code: code, Message: message } });

  function perform(action: string, params: Record<string, unknown>) {
    switch (action) {
      case 'ListAccessKeys':
        return {
          AccessKeys: [...keys].map(([AccessKeyId, key]) => ({
            AccessKeyId,
            Status: key.status,
            CreateTime: key.createTime,
            Description: key.description,
          })),
        };
      case 'CreateAccessKey': {
        if (keys.size >= MAX_KEYS)
          return fail('FailedOperation.Accesskey', 'A user has at most two API keys.');
        const AccessKeyId = `AKID${randomBytes(16).toString('hex').toUpperCase()}`;
        const SecretAccessKey = randomBytes(24).toString('base64url');
        const description = typeof params.Description === 'string' ? params.Description : '';
        keys.set(AccessKeyId, {
          secretAccessKey: SecretAccessKey,
          status: 'Active',
          description,
          createTime: new Date().toISOString(),
        });
        sync();
        return { AccessKey: { AccessKeyId, SecretAccessKey, Status: 'Active', Description: description } };
      }
      case 'UpdateAccessKey': {
        const key = keys.get(String(params.AccessKeyId));
        if (key === undefined) return fail('InvalidParameter', 'No such AccessKeyId.');
        if (params.Status !== 'Active' && params.Status !== 'Inactive')
          return fail('InvalidParameter', 'Status must be Active or Inactive.');
        key.status = params.Status;
        sync();
        return {};
      }
      case 'DeleteAccessKey': {
        const id = String(params.AccessKeyId);
        if (!keys.has(id)) return fail('InvalidParameter', 'No such AccessKeyId.');
        keys.delete(id);
        delete teoKeys[id];
        return {};
      }
      default:
        return fail('InvalidAction', `${action} is not stood in for.`);
    }
  }

  const server = http.createServer(async (request, response) => {
    const { body, headers } = await readRequest(request);
    const verdict = verifyTc3Request(
      { method: request.method ?? '', path: '/', query: '', headers, body },
      (secretId) => {
        const key = keys.get(secretId);
        return key?.status === 'Active' ? key.secretAccessKey : undefined;
      },
      'cam',
      Math.floor(Date.now() / 1000),
    );
    const action = headers['x-tc-action'] ?? '';
    calls.push(action);
    const answer = verdict.ok
      ? perform(action, JSON.parse(body.toString('utf8') || '{}'))
      : fail(verdict.code, verdict.message);
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ Response: { ...answer, RequestId: randomUUID() } }));
  });
  const listening = await listenOnLoopback(server);
  return {
    ...listening,
    calls,
    keys: () =>
      [...keys].map(([accessKeyId, { status, description }]) => ({ accessKeyId, status, description })),
  };
}
