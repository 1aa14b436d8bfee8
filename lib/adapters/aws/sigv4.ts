// AWS Signature Version 4 for the JSON-protocol POSTs the functions make (lib/adapters/aws/aws-json-client.ts), written
// with node:crypto: the signing is 30 lines, and every library that does it costs the cold start far more
// (BENCHMARKS.md). test/sigv4.test.ts signs the same requests with the AWS SDK's own signer and compares.
import { createHash, createHmac } from 'node:crypto';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SigningRequest {
  readonly url: URL;
  /** Header names in lower case; `host`, `x-amz-date` and the session token are added here. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly region: string;
  readonly service: string;
  readonly credentials: AwsCredentials;
  /** Milliseconds since the epoch. */
  readonly now: number;
}

// Strings are hashed as UTF-8, node:crypto's default.
const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
/** RFC 3986 unreserved characters stay; everything else is percent-encoded, as SigV4 requires. */
const uriEncode = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The headers to send: the request's own, with `host`, `x-amz-date`, the token, and `authorization`. */
export function signPost({
  url,
  headers,
  body,
  region,
  service,
  credentials,
  now,
}: SigningRequest): Record<string, string> {
  const amzDate = new Date(now).toISOString().replace(/[-:]|\.\d{3}/g, '');
  const date = amzDate.slice(0, 8);
  const signed: Record<string, string> = {
    ...headers,
    host: url.host,
    'x-amz-date': amzDate,
    ...(credentials.sessionToken && { 'x-amz-security-token': credentials.sessionToken }),
  };
  const names = Object.keys(signed).sort();
  const canonicalRequest = [
    'POST',
    // Services other than S3 sign the path with each segment encoded once more than it is sent.
    url.pathname.split('/').map(uriEncode).join('/'),
    '',
    names.map((name) => `${name}:${String(signed[name]).trim().replace(/\s+/g, ' ')}\n`).join(''),
    names.join(';'),
    sha256(body),
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = [date, region, service, 'aws4_request'].reduce<string | Buffer>(
    (secret, part) => hmac(secret, part),
    `AWS4${credentials.secretAccessKey}`,
  );
  const signature = hmac(key, stringToSign).toString('hex');
  return {
    ...signed,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}
