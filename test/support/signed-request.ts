// Sends a TC3-signed request to a TEO endpoint on loopback, signed by the independent signer, not the SDK.
import http from 'node:http';
import { signTc3 } from '../../emulator/tc3-signature.ts';

export interface SignedRequest {
  readonly url: string;
  readonly action: string;
  readonly body: string;
  readonly secretId: string;
  readonly secretKey: string;
  readonly timestamp?: number;
  readonly host?: string;
  readonly version?: string;
  /** Changes made after signing, to prove they are caught. */
  readonly tamper?: { headers?: Record<string, string>; body?: string };
}

/** TEO's envelope, as far as tests read it; `json` is undefined and `text` holds an answer that is not JSON. */
export interface TeoAnswer {
  readonly status: number;
  readonly text: string;
  readonly json?: {
    Response: { RequestId?: string; SecretKey?: string; Error?: { Code: string; Message: string } };
  };
}

export async function sendSigned(request: SignedRequest): Promise<TeoAnswer> {
  const timestamp = request.timestamp ?? Math.floor(Date.now() / 1000);
  const host = request.host ?? 'teo.intl.tencentcloudapi.com';
  const headers: Record<string, string> = { 'content-type': 'application/json', host };
  const { signature, date } = signTc3(
    {
      method: 'POST',
      path: '/',
      query: '',
      headers,
      signedHeaders: ['content-type', 'host'],
      body: request.body,
      timestamp,
      service: 'teo',
    },
    request.secretKey,
  );
  const sent = {
    ...headers,
    'x-tc-action': request.action,
    'x-tc-version': request.version ?? '2022-09-01',
    'x-tc-timestamp': String(timestamp),
    authorization: `TC3-HMAC-SHA256 Credential=${request.secretId}/${date}/teo/tc3_request, SignedHeaders=content-type;host, Signature=${signature}`,
    ...request.tamper?.headers,
  };
  return post(request.url, sent, request.tamper?.body ?? request.body);
}

export function post(url: string, headers: Record<string, string>, body: string): Promise<TeoAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        const status = response.statusCode ?? 0;
        try {
          resolve({ status, text, json: JSON.parse(text) });
        } catch {
          resolve({ status, text });
        }
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}
