// A loopback HTTP server standing in for TEO in tests: it records every request and answers as scripted.
import { type RecordedRequest, startRecordingServer } from './recording-server.ts';

export type { RecordedRequest };

export type ScriptedAnswer =
  | { readonly status?: number; readonly json: unknown; readonly delayMs?: number }
  | { readonly status?: number; readonly text: string }
  | { readonly drop: true };

export interface TeoStandIn {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Answers for the next requests, in order; after them, success with a fresh RequestId. */
  script(...answers: ScriptedAnswer[]): void;
  close(): Promise<void>;
}

export const teoError = (code: string, message = `${code} (stand-in)`, requestId = `req-error-${code}`) => ({
  json: { Response: { Error: { Code: code, Message: message }, RequestId: requestId } },
});

export async function startTeoStandIn(): Promise<TeoStandIn> {
  const queue: ScriptedAnswer[] = [];
  const server = await startRecordingServer(async (_, res) => {
    const answer = queue.shift() ?? { json: { Response: { RequestId: `req-${server.seen.length}` } } };
    if ('drop' in answer) return void res.socket?.destroy();
    if ('json' in answer && answer.delayMs)
      await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    const [type, body] =
      'json' in answer ? ['application/json', JSON.stringify(answer.json)] : ['text/html', answer.text];
    res.writeHead(answer.status ?? 200, { 'content-type': type }).end(body);
  });
  return {
    url: server.base,
    requests: server.seen,
    script: (...answers) => void queue.push(...answers),
    close: server.close,
  };
}
