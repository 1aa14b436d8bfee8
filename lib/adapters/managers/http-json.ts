// One JSON request to a secrets manager's API: no redirect is followed (it would carry a token elsewhere), answers
// are bounded, and each call ends by its deadline (lib/adapters/http/send-request.ts).
import type { IncomingHttpHeaders } from 'node:http';
import { withAttemptTimeout } from '#lib/adapters/http/attempt-timeout.ts';
import { sendRequest } from '#lib/adapters/http/send-request.ts';

export interface JsonAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The parsed body, or undefined when it was not JSON. */
  readonly json: unknown;
}

export async function requestJson(
  url: URL,
  {
    method,
    headers,
    body,
    timeoutMs,
  }: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string; timeoutMs: number },
): Promise<JsonAnswer> {
  const answer = await withAttemptTimeout(timeoutMs, (signal) =>
    sendRequest(url, { method, headers: { accept: 'application/json', ...headers }, body, signal }),
  );
  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch {
    // Not JSON: json stays undefined.
  }
  return { status: answer.status, headers: answer.headers, json };
}
