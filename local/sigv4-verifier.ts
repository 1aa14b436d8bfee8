// AWS_IAM auth for the local server: verifies a SigV4-signed request as AWS does before invoking the function,
// against a table of local access keys, and names the caller's ARN.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface LocalAccessKey {
  readonly secretAccessKey: string;
  /** What AWS would report as the caller, e.g. an assumed-role session ARN. */
  readonly arn: string;
}

export interface SignedHttpRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([A-Za-z0-9-]{3,128})\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** What a signature must be scoped to: the services of the endpoint it stands for, and its region if it has one. */
export interface SigningScope {
  readonly services: readonly string[];
  readonly region?: string;
}
const WINDOW_MS = 5 * 60 * 1000;

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const encode = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The caller's ARN, or why the request is refused (AWS would answer 403 without invoking the function). */
export function verifySigV4(
  request: SignedHttpRequest,
  keys: Readonly<Record<string, LocalAccessKey>>,
  now: number,
  scope: SigningScope,
): { arn: string } | { refused: string } {
  const match = AUTHORIZATION.exec(request.headers.authorization ?? '');
  if (!match) return { refused: 'Authorization is not an AWS4-HMAC-SHA256 signature' };
  const [, accessKeyId = '', date = '', region = '', service = '', signedHeaderList = '', signature = ''] =
    match;
  if (!scope.services.includes(service)) return { refused: `the credential scope names ${service}` };
  if (scope.region !== undefined && region !== scope.region)
    return { refused: `the credential scope names ${region}` };
  const key = keys[accessKeyId];
  if (!key) return { refused: 'unknown access key' };
  const amzDate = request.headers['x-amz-date'] ?? '';
  const signedAt = Date.parse(
    amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  if (!amzDate.startsWith(date) || !(Math.abs(now - signedAt) <= WINDOW_MS))
    return { refused: 'signature expired' };
  const payloadHash = sha256(request.body);
  const claimedHash = request.headers['x-amz-content-sha256'];
  if (claimedHash !== undefined && claimedHash !== payloadHash)
    return { refused: 'x-amz-content-sha256 does not match the body' };
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host')) return { refused: 'host is not signed' };
  let target: { path: string; query: string };
  try {
    target = canonicalTarget(request);
  } catch {
    // decodeURIComponent throws a URIError on a malformed escape: AWS answers such a request 403, and so does this.
    return { refused: 'malformed percent-encoding in the path or query' };
  }
  const canonicalRequest = [
    request.method,
    target.path,
    target.query,
    signedHeaders
      .map((name) => `${name}:${(request.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`)
      .join(''),
    signedHeaderList,
    payloadHash,
  ].join('\n');
  const credentialScope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, credentialScope, sha256(canonicalRequest)].join('\n');
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${key.secretAccessKey}`, date), region), service),
    'aws4_request',
  );
  const expected = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  return timingSafeEqual(Buffer.from(expected), Buffer.from(signature))
    ? { arn: key.arn }
    : { refused: 'signature mismatch' };
}

/** The path and query as SigV4 canonicalizes them: each part decoded, then encoded the one way AWS does. */
function canonicalTarget({ path, query }: SignedHttpRequest) {
  return {
    path: path
      .split('/')
      .map((segment) => encode(decodeURIComponent(segment)))
      .join('/'),
    query: query
      .split('&')
      .filter(Boolean)
      .map((pair) =>
        pair
          .split('=')
          .map((part) => encode(decodeURIComponent(part)))
          .join('='),
      )
      .sort()
      .join('&'),
  };
}
