// How the TEO client reaches TEO: the endpoint, one attempt's timeout, and the Tencent credentials it signs with.
import type { TeoEndpoint } from '#lib/adapters/teo/endpoint.ts';

export interface TencentCredentials {
  readonly secretId: string;
  readonly secretKey: string;
  readonly sessionToken?: string;
}

export interface TeoSettings {
  readonly endpoint: TeoEndpoint;
  readonly timeoutMs: number;
  readonly credentials: TencentCredentials;
}
