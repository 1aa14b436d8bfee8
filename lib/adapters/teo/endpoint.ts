// Where TEO requests go, which host they are signed for, and how that host is dialled.
import type { Agent } from 'node:http';
import type { LookupFunction } from 'node:net';
import { isLoopbackHost } from '#lib/adapters/http/loopback.ts';
import { http, https } from '#lib/adapters/http/node-http.ts';

/** The host an emulator stands in for: requests to a loopback endpoint are signed exactly as for this one. */
export const TEO_SIGNING_HOST = 'teo.intl.tencentcloudapi.com';

export interface TeoEndpoint {
  readonly protocol: 'https:' | 'http:';
  /** Host (and port) the request is addressed and signed for; its first label, `teo`, is the signing service. */
  readonly host: string;
  /** Set for a loopback endpoint: the address actually dialled, like curl's --connect-to. */
  readonly dialAddress?: string;
}

/**
 * Tencent's hosts over HTTPS, or a plain-HTTP loopback address for the emulator. Nothing else: the body carries
 * the new gateway key, so it never crosses a network in clear text.
 */
export function parseTeoEndpoint(raw: string): TeoEndpoint | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'TEO_ENDPOINT is not a URL';
  }
  if (
    url.username !== '' ||
    url.password !== '' ||
    url.search !== '' ||
    url.hash !== '' ||
    url.pathname !== '/'
  ) {
    return 'TEO_ENDPOINT must be a bare origin such as https://teo.intl.tencentcloudapi.com (no path, query or user info)';
  }
  return (
    serviceEndpoint(url, 'teo', TEO_SIGNING_HOST) ??
    'TEO_ENDPOINT must be https://teo.<region>.tencentcloudapi.com or an http:// loopback URL (the emulator)'
  );
}

/**
 * `url` as an endpoint of Tencent's `service` (TEO, CAM): one of its HTTPS hosts, on any site; or a plain-HTTP
 * loopback stand-in, signed as `signingHost`. Anything else is undefined.
 */
export function serviceEndpoint(url: URL, service: string, signingHost: string): TeoEndpoint | undefined {
  const tencentHost = new RegExp(`^${service}\\.(?:[a-z0-9-]+\\.)*tencentcloudapi\\.com$`);
  if (url.protocol === 'https:' && tencentHost.test(url.hostname))
    return { protocol: 'https:', host: url.host };
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return loopbackEndpoint(url, signingHost);
  return undefined;
}

/** A loopback stand-in for `signingHost`: addressed and signed as that host, dialled at the URL's own address. */
export function loopbackEndpoint(url: URL, signingHost: string): TeoEndpoint {
  const dialAddress = url.hostname === 'localhost' ? '127.0.0.1' : url.hostname.replace(/^\[|\]$/g, '');
  return { protocol: 'http:', host: `${signingHost}:${url.port || '80'}`, dialAddress };
}

/** Keep-alive saves a TLS handshake on warm invocations; a loopback endpoint is dialled at its own address. */
export function agentFor(endpoint: TeoEndpoint): Agent {
  if (endpoint.dialAddress === undefined) return new (https().Agent)({ keepAlive: true });
  return new http.Agent({ keepAlive: true, lookup: dialling(endpoint.dialAddress) });
}

const dialling =
  (address: string): LookupFunction =>
  (_hostname, options, callback) => {
    const family = address.includes(':') ? 6 : 4;
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
