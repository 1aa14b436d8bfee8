// One JSON request to a secrets manager's API, over node:http(s): no redirect is followed (it would carry a token
// elsewhere), answers are bounded, and each call ends by its deadline.
import { http, https } from '#lib/teo/node-http.ts';

const MAX_ANSWER_BYTES = 1024 * 1024;

export interface JsonAnswer {
  readonly status: number;
  /** The parsed body, or undefined when it was not JSON. */
  readonly json: unknown;
}

export function requestJson(
  url: URL,
  {
    method,
    headers,
    body,
    timeoutMs,
  }: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string; timeoutMs: number },
): Promise<JsonAnswer> {
  const send = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      { method, headers: { accept: 'application/json', ...headers }, signal: AbortSignal.timeout(timeoutMs) },
      (response) => {
        const chunks: Buffer[] = [];
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.byteLength;
          if (received > MAX_ANSWER_BYTES) response.destroy(new Error('answer larger than 1 MiB'));
          else chunks.push(chunk);
        });
        response.on('error', reject);
        response.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            json = undefined;
          }
          resolve({ status: response.statusCode ?? 0, json });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
