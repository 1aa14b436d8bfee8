// The CAM actions (2019-01-16) the project calls, as the credentials they are signed with. The access-key actions,
// with no TargetUin, act on the signer's own keys, so the rotation (lib/handlers/tencent-key-rotation/) needs CAM
// rights on its own user alone; a SecretAccessKey is returned once, by CreateAccessKey. DescribeOIDCConfig serves
// the keyless health check and `rotator doctor`. Nothing here logs a key or puts it in an error.
import { CommonClient } from 'tencentcloud-sdk-nodejs-common';
import { agentFor, loopbackEndpoint, serviceEndpoint, type TeoEndpoint } from '#lib/adapters/teo/endpoint.ts';
import type { TencentCredentials } from '#lib/adapters/teo/teo-settings.ts';
import { isJsonObject, parseJsonObject } from '#lib/domain/json-object.ts';

export interface AccessKey {
  readonly accessKeyId: string;
  readonly status: 'Active' | 'Inactive';
  readonly description: string;
}

/** What DescribeOIDCConfig says of a provider: its issuer, accepted audiences, and the key ids of its JWKS copy. */
export interface OidcConfig {
  readonly identityUrl: string | undefined;
  readonly clientIds: readonly string[];
  readonly keyIds: readonly string[];
}

export interface Cam {
  list(): Promise<AccessKey[]>;
  create(description: string): Promise<{ readonly accessKeyId: string; readonly secretAccessKey: string }>;
  setStatus(accessKeyId: string, status: 'Active' | 'Inactive'): Promise<void>;
  remove(accessKeyId: string): Promise<void>;
  describeOidcConfig(name: string): Promise<OidcConfig>;
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

/** The host a loopback stand-in is signed for. */
const CAM_SIGNING_HOST = 'cam.tencentcloudapi.com';

/** CAM over HTTPS at one of Tencent's hosts, or an http:// loopback stand-in; else what is wrong, naming `setting`. */
export function parseCamEndpoint(raw: string, setting: string): TeoEndpoint | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `${setting} is not a URL`;
  }
  return (
    serviceEndpoint(url, 'cam', CAM_SIGNING_HOST) ??
    `${setting} must be https://cam.<...>.tencentcloudapi.com or an http:// loopback URL`
  );
}

/** CAM beside Tencent's STS (a validated endpoint), on its site; a stand-in on loopback serves both. */
export const camEndpointBeside = (sts: URL): TeoEndpoint =>
  sts.protocol === 'http:'
    ? loopbackEndpoint(sts, CAM_SIGNING_HOST)
    : { protocol: 'https:', host: sts.host.replace(/^sts\./, 'cam.') };

/** `endpoint`: from parseCamEndpoint or camEndpointBeside. */
export function camClient(endpoint: TeoEndpoint, credentials: TencentCredentials): Cam {
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
    async describeOidcConfig(name) {
      const { IdentityUrl, ClientId, IdentityKey } = await call('DescribeOIDCConfig', { Name: name });
      return {
        identityUrl: typeof IdentityUrl === 'string' ? IdentityUrl : undefined,
        clientIds: Array.isArray(ClientId) ? ClientId.map(String) : [],
        keyIds:
          typeof IdentityKey === 'string'
            ? keyIdsOf(parseJsonObject(Buffer.from(IdentityKey, 'base64').toString('utf8')))
            : [],
      };
    },
  };
}

/** A JWKS's RSA key ids: the keys an RS256 token can be signed with. */
export const keyIdsOf = (jwks: unknown): string[] =>
  (isJsonObject(jwks) && Array.isArray(jwks.keys) ? jwks.keys : [])
    .filter(isJsonObject)
    .filter(({ kty }) => kty === 'RSA')
    .flatMap(({ kid }) => (typeof kid === 'string' ? [kid] : []));
