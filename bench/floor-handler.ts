// The benchmark's floor: the essential work of a rotation written with Node built-ins only, to measure the function
// against. A bearer digest compared in constant time, strict validation, one conditional DynamoDB write signed with
// SigV4 (the zone's lease), one TC3-signed ModifyMultiPathGatewaySecretKey over a keep-alive agent. No middleware, no
// audit line, no retries: what no implementation can skip. Bundled by bench/run.ts like the function.
// As deployed, TEO is dialled by its name (here answered with the emulator's address): a process's first connection
// to a name, not an IP address, costs Node a few milliseconds (net.isIP tries its long IPv6 pattern), which any
// implementation pays in production.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import { signTc3 } from '../emulator/tc3-signature.ts';

const http: typeof import('node:http') = createRequire(import.meta.url)('node:http');

const env = process.env;
const tokenDigest = Buffer.from(env.FLOOR_TOKEN_SHA256 ?? '', 'hex');
const emulator = new URL(env.TEO_ENDPOINT ?? '');
const teo = new URL(`http://teo.intl.tencentcloudapi.com:${emulator.port}/`);
const dynamodb = new URL(env.AWS_ENDPOINT_URL_DYNAMODB ?? '');
const agent = new http.Agent({
  keepAlive: true,
  lookup: (_name, options, callback) =>
    options.all
      ? callback(null, [{ address: emulator.hostname, family: 4 }])
      : callback(null, emulator.hostname, 4),
});
const ZONE_ID = /^zone-[a-z0-9]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** One SigV4-signed call of DynamoDB's JSON API. */
function dynamoDb(operation: string, input: unknown) {
  const body = JSON.stringify(input);
  const amzDate = new Date().toISOString().replace(/[:-]|\.\d{3}/g, '');
  const date = amzDate.slice(0, 8);
  const region = env.AWS_REGION ?? 'us-east-1';
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.0',
    host: dynamodb.host,
    'x-amz-date': amzDate,
    'x-amz-target': `DynamoDB_20120810.${operation}`,
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    'POST',
    '/',
    '',
    ...names.map((name) => `${name}:${headers[name]}`),
    '',
    names.join(';'),
    sha256(body),
  ];
  const scope = `${date}/${region}/dynamodb/aws4_request`;
  const key = hmac(
    hmac(hmac(hmac(`AWS4${env.AWS_SECRET_ACCESS_KEY}`, date), region), 'dynamodb'),
    'aws4_request',
  );
  const signature = createHmac('sha256', key)
    .update(['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical.join('\n'))].join('\n'))
    .digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${env.AWS_ACCESS_KEY_ID}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return post(dynamodb, headers, body);
}

/** ModifyMultiPathGatewaySecretKey, signed for TEO's host and sent to the emulator's address. */
async function modify(zoneId: string, secretKey: string) {
  const body = JSON.stringify({ ZoneId: zoneId, SecretKey: secretKey });
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = { 'content-type': 'application/json', host: teo.host };
  const signedHeaders = ['content-type', 'host'];
  const { credentialScope, signature } = signTc3(
    { method: 'POST', path: '/', query: '', headers, signedHeaders, body, timestamp, service: 'teo' },
    env.TENCENTCLOUD_SECRET_KEY ?? '',
  );
  const answer = await post(
    teo,
    {
      ...headers,
      authorization: `TC3-HMAC-SHA256 Credential=${env.TENCENTCLOUD_SECRET_ID}/${credentialScope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`,
      'x-tc-action': 'ModifyMultiPathGatewaySecretKey',
      'x-tc-version': '2022-09-01',
      'x-tc-timestamp': String(timestamp),
    },
    body,
  );
  return JSON.parse(answer.text).Response.RequestId as string;
}

const refuse = (statusCode: number) => ({ statusCode, body: '' });

export async function handler(event: { headers: Record<string, string>; body: string }) {
  const token = /^Bearer (\S+)$/.exec(event.headers.authorization ?? '')?.[1] ?? '';
  if (!timingSafeEqual(createHash('sha256').update(token).digest(), tokenDigest)) return refuse(401);
  const { ZoneId, SecretKey, ...rest } = JSON.parse(event.body);
  const bytes =
    typeof SecretKey === 'string' && BASE64.test(SecretKey) ? Buffer.byteLength(SecretKey, 'base64') : 0;
  if (Object.keys(rest).length > 0 || !ZONE_ID.test(ZoneId) || bytes < 32 || bytes > 48) return refuse(400);
  const now = Date.now();
  const lease = await dynamoDb('PutItem', {
    TableName: env.ROTATOR_TABLE,
    Item: { pk: { S: `floor-lease#${ZoneId}` }, leaseUntil: { N: String(now) } },
    ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :now',
    ExpressionAttributeValues: { ':now': { N: String(now + 1) } },
  });
  if (lease.status !== 200) return refuse(409);
  return { statusCode: 200, body: JSON.stringify({ RequestId: await modify(ZoneId, SecretKey) }) };
}
