// SigV4 for callers with AWS IAM auth: credentials from the standard AWS chain (environment, profile, SSO,
// container or instance role), service and region from the URL when it is an AWS one.
import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

/** IAM callers reach the function through an HTTP API route with AWS_IAM auth: the service is always execute-api. */
export function signingScope(url: URL, fallbackRegion: string): { service: string; region: string } {
  const httpApi = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname);
  return { service: 'execute-api', region: httpApi?.[1] ?? fallbackRegion };
}

/** The headers to add to a request of `body` to `url`. */
export async function sigV4Headers(
  url: URL,
  method: 'POST' | 'GET',
  body: string,
  headers: Record<string, string>,
  region: string,
) {
  const signer = new SignatureV4({
    credentials: defaultProvider(),
    sha256: Sha256,
    ...signingScope(url, region),
  });
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port && { port: Number(url.port) }),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { ...headers, host: url.host },
    body,
  });
  return signed.headers as Record<string, string>;
}

/** A form-encoded POST to an AWS Query API (IAM's), signed with the standard AWS credential chain. */
export async function sigV4Request(url: URL, body: string, scope: { service: string; region: string }) {
  const signer = new SignatureV4({ credentials: defaultProvider(), sha256: Sha256, ...scope });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port && { port: Number(url.port) }),
    path: url.pathname,
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', host: url.host },
    body,
  });
  // fetch sets Host from the URL, as signed.
  const { host: _host, ...headers } = signed.headers as Record<string, string>;
  return fetch(url, { method: 'POST', headers, body });
}
