// CAM's access-key actions (2019-01-16), as the key pair they are signed with: with no TargetUin, each acts on the
// signer's own keys, so the rotation (lib/handlers/tencent-key-rotation/) needs CAM rights on its own user alone.
// A SecretAccessKey is returned once, by CreateAccessKey; nothing here logs one or puts it in an error.
import { CommonClient } from 'tencentcloud-sdk-nodejs-common';
import { agentFor, type TeoEndpoint } from '#lib/adapters/teo/endpoint.ts';
import type { TencentCredentials } from '#lib/adapters/teo/teo-settings.ts';
import { isJsonObject } from '#lib/domain/json-object.ts';

export interface AccessKey {
  readonly accessKeyId: string;
  readonly status: 'Active' | 'Inactive';
  readonly description: string;
}

export interface CamAccessKeys {
  list(): Promise<AccessKey[]>;
  create(description: string): Promise<{ readonly accessKeyId: string; readonly secretAccessKey: string }>;
  setStatus(accessKeyId: string, status: 'Active' | 'Inactive'): Promise<void>;
  remove(accessKeyId: string): Promise<void>;
}

/** CAM refused, with its code (never its message, which may quote a parameter). */
export class CamRefused extends Error {
  override name = 'CamRefused';
  readonly code: string;
  constructor(action: string, code: string) {
    super(`CAM answered ${code} to ${action}`);
    this.code = code;
  }
}

/** `endpoint`: CAM's (cam.tencentcloudapi.com), or a loopback stand-in dialled as it. */
export function camAccessKeys(endpoint: TeoEndpoint, credentials: TencentCredentials): CamAccessKeys {
  const client = new CommonClient(endpoint.host, '2019-01-16', {
    credential: {
      secretId: credentials.secretId,
      secretKey: credentials.secretKey,
      ...(credentials.sessionToken && { token: credentials.sessionToken }),
    },
    profile: {
      httpProfile: { protocol: `${endpoint.protocol}//`, agent: agentFor(endpoint), reqTimeout: 5 },
    },
  });
  const call = async (action: string, params: Record<string, unknown>): Promise<Record<string, unknown>> => {
    try {
      return await client.request(action, params);
    } catch (error) {
      const { code } = (isJsonObject(error) ? error : {}) as { code?: unknown };
      if (typeof code === 'string' && /^[A-Za-z][\w.]{0,127}$/.test(code)) throw new CamRefused(action, code);
      throw new CamRefused(action, 'no answer');
    }
  };
  return {
    async list() {
      const { AccessKeys } = await call('ListAccessKeys', {});
      return (Array.isArray(AccessKeys) ? AccessKeys : []).filter(isJsonObject).map((key) => ({
        accessKeyId: String(key.AccessKeyId),
        status: key.Status === 'Active' ? 'Active' : 'Inactive',
        description: typeof key.Description === 'string' ? key.Description : '',
      }));
    },
    async create(description) {
      const { AccessKey } = await call('CreateAccessKey', { Description: description });
      const { AccessKeyId, SecretAccessKey } = isJsonObject(AccessKey) ? AccessKey : {};
      if (typeof AccessKeyId !== 'string' || typeof SecretAccessKey !== 'string')
        throw new CamRefused('CreateAccessKey', 'an answer without the key');
      return { accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey };
    },
    async setStatus(accessKeyId, status) {
      await call('UpdateAccessKey', { AccessKeyId: accessKeyId, Status: status });
    },
    async remove(accessKeyId) {
      await call('DeleteAccessKey', { AccessKeyId: accessKeyId });
    },
  };
}
