// How the TEO client reaches TEO: the endpoint, one attempt's timeout, and how it gets the Tencent credentials it
// signs with: a key pair given to it, or, keyless (docs/contract.md §3), temporary credentials it gets itself.
import type { TeoEndpoint } from '#lib/adapters/teo/endpoint.ts';

export interface TencentCredentials {
  readonly secretId: string;
  readonly secretKey: string;
  readonly sessionToken?: string;
}

/**
 * Keyless: a web identity token from AWS STS (the function role's own), exchanged at Tencent's STS
 * (AssumeRoleWithWebIdentity) for temporary credentials of a CAM role. Nothing here is a secret.
 */
export interface OidcSettings {
  /** The OIDC identity provider's name in CAM (CreateOIDCConfig's Name). */
  readonly providerId: string;
  /** The CAM role to assume: `qcs::cam::uin/<uin>:roleName/<name>`. */
  readonly roleArn: string;
  /** The token's `aud`, one of the provider's ClientIds. */
  readonly audience: string;
  /** Tencent's STS, on the same site as TEO's endpoint. */
  readonly stsEndpoint: URL;
  /** The Region common parameter Tencent's STS requires. */
  readonly stsRegion: string;
}

export interface TeoSettings {
  readonly endpoint: TeoEndpoint;
  readonly timeoutMs: number;
  readonly credentials: TencentCredentials | { readonly oidc: OidcSettings };
}
