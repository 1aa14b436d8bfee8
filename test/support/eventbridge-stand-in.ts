// A loopback stand-in for EventBridge's PutEvents (JSON 1.1), reached through AWS_ENDPOINT_URL_EVENTBRIDGE: it checks
// each request's SigV4 signature and keeps the events it accepted.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4 } from '../../local/sigv4-verifier.ts';

const ACCESS_KEY = { id: 'AKIAFAKEEVENTSSTANDIN', secret: 'FakeEventBridgeStandInSecretKey000000000' };

export interface PutEntry {
  readonly EventBusName: string;
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
}

export interface EventBridgeStandIn {
  readonly env: Readonly<Record<string, string>>;
  /** Every entry accepted, in order. */
  readonly entries: PutEntry[];
  /** The next PutEvents fails: with an AWS error, or accepted with a failed entry. */
  failNext(how: 'error' | 'failed-entry'): void;
  close(): Promise<void>;
}

export async function startEventBridgeStandIn(): Promise<EventBridgeStandIn> {
  const entries: PutEntry[] = [];
  const failures: ('error' | 'failed-entry')[] = [];
  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
    );
    const answer = (status: number, json: unknown) =>
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(json));
    const verdict = verifySigV4(
      { method: request.method ?? '', path: '/', query: '', headers, body },
      {
        [ACCESS_KEY.id]: {
          secretAccessKey: ACCESS_KEY.secret,
          arn: 'arn:aws:iam::123456789012:role/function',
        },
      },
      Date.now(),
      { services: ['events'], region: 'eu-west-1' },
    );
    if ('refused' in verdict)
      return answer(400, { __type: 'InvalidSignatureException', message: verdict.refused });
    if (headers['x-amz-target'] !== 'AWSEvents.PutEvents')
      return answer(400, { __type: 'UnknownOperationException' });
    const failure = failures.shift();
    if (failure === 'error') return answer(500, { __type: 'InternalException', message: 'Injected.' });
    const { Entries = [] } = JSON.parse(body.toString('utf8')) as { Entries?: PutEntry[] };
    if (failure === 'failed-entry') {
      return answer(200, {
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'Injected.' }],
      });
    }
    entries.push(...Entries);
    answer(200, {
      FailedEntryCount: 0,
      Entries: Entries.map((_, i) => ({ EventId: `event-${entries.length + i}` })),
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    env: {
      AWS_ENDPOINT_URL_EVENTBRIDGE: `http://127.0.0.1:${port}`,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: ACCESS_KEY.id,
      AWS_SECRET_ACCESS_KEY: ACCESS_KEY.secret,
    },
    entries,
    failNext: (how) => void failures.push(how),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
