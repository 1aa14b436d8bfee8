// One measurement in a fresh process, as Lambda starts one, written as JSON to the file BENCH_RESULT names.
// Modes: import-rotator | import-sdk | cold-rotator | cold-sdk | warm-rotator | warm-sdk.
// Nothing is imported before the timed import, so no built-in module is loaded ahead of the bundle.

const [mode = '', bundle = '', emulatorUrl = ''] = process.argv.slice(2);
const started = performance.now();
const module = await import(`file://${bundle}`);
const imported = performance.now() - started;

const { randomBytes } = await import('node:crypto');
const { writeFileSync } = await import('node:fs');
const report = (result: unknown) => writeFileSync(process.env.BENCH_RESULT ?? '', JSON.stringify(result));
const rotation = () => ({ ZoneId: 'zone-27q0p0bal192', SecretKey: randomBytes(32).toString('base64') });

/** A CommonClient of the SDK bundle, addressed to the emulator but signed for TEO, as the function's is. */
async function sdkClient(
  CommonClient: new (...args: unknown[]) => { request(...args: unknown[]): Promise<unknown> },
) {
  const { Agent } = await import('node:http');
  const port = new URL(emulatorUrl).port;
  const agent = new Agent({
    keepAlive: true,
    lookup: (_host, options, callback) =>
      options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4),
  });
  return new CommonClient(`teo.intl.tencentcloudapi.com:${port}`, '2022-09-01', {
    credential: {
      secretId: process.env.TENCENTCLOUD_SECRET_ID,
      secretKey: process.env.TENCENTCLOUD_SECRET_KEY,
    },
    profile: { httpProfile: { protocol: 'http://', agent } },
  });
}

/** One rotation through the handler, as API Gateway's HTTP API delivers it. */
async function rotator() {
  const { readFileSync } = await import('node:fs');
  const event = JSON.parse(
    readFileSync(new URL('../test/fixtures/events/http-api-v2.json', import.meta.url), 'utf8'),
  );
  const headers = { ...event.headers, authorization: `Bearer ${process.env.BENCH_TOKEN}` };
  const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 20_000 };
  return async () => {
    const { statusCode } = await module.handler(
      { ...event, headers, body: JSON.stringify(rotation()) },
      context,
    );
    if (statusCode !== 200) throw new Error(`rotation answered ${statusCode}`);
  };
}

/** Sequential calls after 100 unmeasured ones; the parent pools several children's. */
async function warm(call: () => Promise<unknown>) {
  for (let i = 0; i < 100; i += 1) await call();
  const latencies: number[] = [];
  for (let i = 0; i < Number(process.env.BENCH_CALLS); i += 1) {
    const begun = performance.now();
    await call();
    latencies.push(performance.now() - begun);
  }
  return latencies;
}

switch (mode) {
  case 'import-rotator':
  case 'import-sdk':
    report({ ms: imported });
    break;
  case 'cold-rotator':
    await (await rotator())();
    report({ ms: performance.now() - started });
    break;
  case 'cold-sdk':
    await (await sdkClient(module.CommonClient)).request('ModifyMultiPathGatewaySecretKey', rotation());
    report({ ms: performance.now() - started });
    break;
  case 'warm-rotator':
    report({ latencies: await warm(await rotator()) });
    break;
  case 'warm-sdk': {
    const client = await sdkClient(module.CommonClient);
    report({ latencies: await warm(() => client.request('ModifyMultiPathGatewaySecretKey', rotation())) });
    break;
  }
  default:
    throw new Error(`unknown mode ${mode}`);
}
process.exit(0);
