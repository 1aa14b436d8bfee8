// TC3-HMAC-SHA256 (Tencent Cloud API 3.0 signature v3), written from the published algorithm and independent of
// the SDK, so that it can check what the SDK signs.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

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

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

export type Tc3Verdict = { ok: true; secretId: string } | { ok: false; code: string; message: string };

export const TC3_WINDOW_SECONDS = 300;
const REQUIRED_SIGNED_HEADERS = ['content-type', 'host'];

const refuse = (code: string, message: string): Tc3Verdict => ({ ok: false, code, message });

/** Checks a request as TEO's API 3.0 gateway does, answering with its error codes. */
export function verifyTc3Request(
  request: ReceivedRequest,
  secretKeyFor: (secretId: string) => string | undefined,
  service: string,
  nowSeconds: number,
): Tc3Verdict {
  const authorization = parseTc3Authorization(request.headers.authorization ?? '');
  if (!authorization)
    return refuse('AuthFailure.InvalidAuthorization', 'Authorization is not TC3-HMAC-SHA256.');
  const timestamp = Number(request.headers['x-tc-timestamp']);
  if (!/^\d{1,12}$/.test(request.headers['x-tc-timestamp'] ?? '')) {
    return refuse('AuthFailure.InvalidAuthorization', 'X-TC-Timestamp is missing or not decimal seconds.');
  }
  if (Math.abs(nowSeconds - timestamp) > TC3_WINDOW_SECONDS) {
    return refuse(
      'AuthFailure.SignatureExpire',
      'The signature has expired: X-TC-Timestamp is over 5 minutes away.',
    );
  }
  const secretKey = secretKeyFor(authorization.secretId);
  if (secretKey === undefined) return refuse('AuthFailure.SecretIdNotFound', 'The SecretId is not known.');
  if (authorization.service !== service) {
    return refuse(
      'AuthFailure.SignatureFailure',
      `The credential scope names the service ${authorization.service}, but requests here must be signed for ${service}. The Tencent SDK takes the service from the endpoint's first label: give it the endpoint teo.intl.tencentcloudapi.com and an HTTP agent that dials this address (docs/local.md, "Using the emulator from other tools").`,
    );
  }
  if (authorization.date !== tc3Date(timestamp)) {
    return refuse(
      'AuthFailure.SignatureFailure',
      `The credential scope's date must be ${tc3Date(timestamp)}, the UTC date of X-TC-Timestamp.`,
    );
  }
  if (!REQUIRED_SIGNED_HEADERS.every((name) => authorization.signedHeaders.includes(name))) {
    return refuse('AuthFailure.SignatureFailure', 'SignedHeaders must include content-type and host.');
  }
  // The SDK signs the host name; the Host header also carries a non-default port.
  const host = (request.headers.host ?? '').replace(/:\d+$/, '');
  const expected = signTc3(
    {
      method: request.method,
      path: request.path,
      query: request.query,
      headers: { ...request.headers, host } as Record<string, string>,
      signedHeaders: authorization.signedHeaders,
      body: request.body,
      timestamp,
      service,
    },
    secretKey,
  );
  if (!timingSafeEqual(Buffer.from(expected.signature), Buffer.from(authorization.signature))) {
    return refuse('AuthFailure.SignatureFailure', 'The signature does not match.');
  }
  return { ok: true, secretId: authorization.secretId };
}
