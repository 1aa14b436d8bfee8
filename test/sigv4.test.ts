// The run-time SigV4 signer (lib/adapters/aws/sigv4.ts) against the AWS SDK's own (@smithy/signature-v4): for the same
// request, credentials and instant, both must produce the same headers, signature included.
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { type AwsCredentials, signPost } from '#lib/adapters/aws/sigv4.ts';

const NOW = Date.parse('2026-11-28T09:07:05.123Z');
const KEYS: AwsCredentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

async function sdkSigned(
  url: URL,
  headers: Record<string, string>,
  body: string,
  region: string,
  service: string,
  credentials: AwsCredentials,
) {
  // x-amz-content-sha256 is S3's; the other services take the body's hash from the signature alone.
  const signer = new SignatureV4({ credentials, region, service, sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port && { port: Number(url.port) }),
      path: url.pathname,
      headers: { ...headers, host: url.host },
      body,
    },
    { signingDate: new Date(NOW) },
  );
  return signed.headers;
}

describe('signPost', () => {
  const cases = [
    {
      name: 'a DynamoDB call at its regional endpoint',
      url: 'https://dynamodb.eu-west-1.amazonaws.com/',
      region: 'eu-west-1',
      service: 'dynamodb',
      credentials: KEYS,
      body: '{"TableName":"rotations","Key":{"pk":{"S":"zone#zone-2ab3c4d5"}},"ConsistentRead":true}',
    },
    {
      name: "a call with a role's session token",
      url: 'https://secretsmanager.us-east-1.amazonaws.com/',
      region: 'us-east-1',
      service: 'secretsmanager',
      credentials: { ...KEYS, sessionToken: 'FakeSessionToken//+=EXAMPLE' },
      body: '{"SecretId":"teo-key-rotator/prod"}',
    },
    {
      name: 'a stand-in on loopback with a port, a path to escape, and text outside ASCII',
      url: 'http://127.0.0.1:4566/stage%20one/it$s/',
      region: 'cn-north-1',
      service: 'events',
      credentials: KEYS,
      body: '{"Entries":[{"Detail":"{\\"note\\":\\"zoné  ✓\\"}"}]}',
    },
    {
      name: 'a session token read with white space around it (a file that ends in a newline, say)',
      url: 'https://events.eu-west-1.amazonaws.com/',
      region: 'eu-west-1',
      service: 'events',
      credentials: { ...KEYS, sessionToken: ' FakeSessionTokenFromAFile\n' },
      body: '{}',
    },
    {
      name: "a path with the characters encodeURIComponent leaves but SigV4 escapes: ! ' ( ) *",
      url: "http://127.0.0.1:4566/it's(a)!*/",
      region: 'us-east-1',
      service: 'dynamodb',
      credentials: KEYS,
      body: '{}',
    },
  ];

  it.each(cases)(
    'signs $name exactly as the AWS SDK does',
    async ({ url, region, service, credentials, body }) => {
      const target = new URL(url);
      const headers = {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Service.Operation  Name',
      };

      const ours = signPost({ url: target, headers, body, region, service, credentials, now: NOW });
      const sdk = await sdkSigned(target, headers, body, region, service, credentials);

      expect(ours.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261128\//);
      expect(ours).toEqual(sdk);
    },
  );

  it('signs a different body with a different signature', () => {
    const request = {
      url: new URL('https://dynamodb.eu-west-1.amazonaws.com/'),
      headers: {},
      region: 'eu-west-1',
      service: 'dynamodb',
      credentials: KEYS,
      now: NOW,
    };

    expect(signPost({ ...request, body: '{"a":1}' }).authorization).not.toBe(
      signPost({ ...request, body: '{"a":2}' }).authorization,
    );
  });
});
