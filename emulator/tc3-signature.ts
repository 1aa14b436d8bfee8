// TC3-HMAC-SHA256 (Tencent Cloud API 3.0 signature v3), written from the published algorithm and independent of
// the SDK, so that it can check what the SDK signs.
import { createHash, createHmac } from 'node:crypto';

export interface Tc3Request {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly signedHeaders: readonly string[];
  readonly body: Buffer | string;
  readonly timestamp: number;
  readonly service: string;
}

export interface Tc3Signature {
  readonly hashedPayload: string;
  readonly canonicalRequest: string;
  readonly hashedCanonicalRequest: string;
  readonly date: string;
  readonly credentialScope: string;
  readonly stringToSign: string;
  readonly signature: string;
}

const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** The UTC calendar date of a Unix timestamp, as the credential scope spells it. */
export const tc3Date = (timestamp: number) => new Date(timestamp * 1000).toISOString().slice(0, 10);

export function signTc3(request: Tc3Request, secretKey: string): Tc3Signature {
  const hashedPayload = sha256Hex(request.body);
  const canonicalHeaders = request.signedHeaders
    .map((name) => `${name}:${(request.headers[name] ?? '').trim().toLowerCase()}\n`)
    .join('');
  const canonicalRequest = [
    request.method,
    request.path,
    request.query,
    canonicalHeaders,
    request.signedHeaders.join(';'),
    hashedPayload,
  ].join('\n');
  const hashedCanonicalRequest = sha256Hex(canonicalRequest);
  const date = tc3Date(request.timestamp);
  const credentialScope = `${date}/${request.service}/tc3_request`;
  const stringToSign = ['TC3-HMAC-SHA256', request.timestamp, credentialScope, hashedCanonicalRequest].join(
    '\n',
  );
  const signingKey = hmac(hmac(hmac(`TC3${secretKey}`, date), request.service), 'tc3_request');
  const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  return {
    hashedPayload,
    canonicalRequest,
    hashedCanonicalRequest,
    date,
    credentialScope,
    stringToSign,
    signature,
  };
}

export interface Tc3Authorization {
  readonly secretId: string;
  readonly date: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

const AUTHORIZATION =
  /^TC3-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{4}-\d{2}-\d{2})\/([a-z0-9-]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

export function parseTc3Authorization(header: string): Tc3Authorization | undefined {
  const match = AUTHORIZATION.exec(header);
  if (!match) return undefined;
  const [, secretId = '', date = '', service = '', signedHeaders = '', signature = ''] = match;
  return { secretId, date, service, signedHeaders: signedHeaders.split(';'), signature };
}
