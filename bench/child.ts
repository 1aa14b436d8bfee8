// One measurement in a fresh process, as Lambda starts one, written as JSON to the file BENCH_RESULT names.
// Modes:
//   import                 import the bundle, nothing else
//   first-rotation         import a handler bundle (the function's or the floor's) and answer one rotation
//   first-call             import the SDK bundle and make one CommonClient.request
//   warm-rotation          100 unmeasured rotations, then BENCH_CALLS measured ones
//   warm-call              the same through CommonClient.request
// Lambda's runtime client has node:http loaded before it imports a function (BENCH_PRELOAD_HTTP=1 does the same);
// nothing else is loaded before the timed import. Time is read with process.hrtime, which loads nothing: a first use
// of `performance` loads perf_hooks (about 1.7 ms), which would then be paid here for the code measured.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
if (process.env.BENCH_PRELOAD_HTTP) require('node:http');
const [mode = '', bundle = '', emulatorUrl = ''] = process.argv.slice(2);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const started = nowMs();
const module = await import(`file://${bundle}`);
const imported = nowMs() - started;
const rssAfterImport = process.memoryUsage.rss();

const { randomBytes } = require('node:crypto') as typeof import('node:crypto');
const { readFileSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
const report = (result: Record<string, unknown>) =>
  writeFileSync(process.env.BENCH_RESULT ?? '', JSON.stringify({ rssAfterImport, ...result }));
const rotation = () => ({ ZoneId: 'zone-27q0p0bal192', SecretKey: randomBytes(32).toString('base64') });

/** A call, and the making of its input, which is not timed: a request arrives built. */
interface Call<T> {
  readonly input: () => T;
  readonly send: (input: T) => Promise<unknown>;
}

/** A CommonClient of the SDK bundle, addressed to the emulator but signed for TEO, with a keep-alive agent as the
 * function's; node:http comes through require(), as the function gets it, not through a costly ES import. */
function sdkClient(): Call<ReturnType<typeof rotation>> {
  const { Agent } = require('node:http') as typeof import('node:http');
  const port = new URL(emulatorUrl).port;
  const agent = new Agent({
    keepAlive: true,
    lookup: (_host, options, callback) =>
      options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4),
  });
  const client = new module.CommonClient(`teo.intl.tencentcloudapi.com:${port}`, '2022-09-01', {
    credential: {
      secretId: process.env.TENCENTCLOUD_SECRET_ID,
      secretKey: process.env.TENCENTCLOUD_SECRET_KEY,
    },
    profile: { httpProfile: { protocol: 'http://', agent } },
  });
  return { input: rotation, send: (params) => client.request('ModifyMultiPathGatewaySecretKey', params) };
}

/** One rotation through a handler, as API Gateway's HTTP API delivers it. */
function handlerCall(): Call<unknown> {
  const event = JSON.parse(
    readFileSync(new URL('../test/fixtures/events/http-api-v2.json', import.meta.url), 'utf8'),
  );
  const headers = { ...event.headers, authorization: `Bearer ${process.env.BENCH_TOKEN}` };
  const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 20_000 };
  return {
    input: () => ({ ...event, headers, body: JSON.stringify(rotation()) }),
    send: async (request) => {
      const { statusCode } = await module.handler(request, context);
      if (statusCode !== 200) throw new Error(`rotation answered ${statusCode}`);
    },
  };
}

/** A first call, timed from before the import: what a cold start waits for. */
async function first<T>({ input, send }: Call<T>) {
  await send(input());
  report({ ms: nowMs() - started });
}

/** Sequential calls after 100 unmeasured ones; the parent pools several children's. */
async function warm<T>({ input, send }: Call<T>) {
  for (let i = 0; i < 100; i += 1) await send(input());
  const latencies: number[] = [];
  for (let i = 0; i < Number(process.env.BENCH_CALLS); i += 1) {
    const request = input();
    const begun = nowMs();
    await send(request);
    latencies.push(nowMs() - begun);
  }
  report({ latencies, rssAfterWarm: process.memoryUsage.rss() });
}

switch (mode) {
  case 'import':
    report({ ms: imported });
    break;
  case 'first-rotation':
    await first(handlerCall());
    break;
  case 'first-call':
    await first(sdkClient());
    break;
  case 'warm-rotation':
    await warm(handlerCall());
    break;
  case 'warm-call':
    await warm(sdkClient());
    break;
  default:
    throw new Error(`unknown mode ${mode}`);
}
process.exit(0);
