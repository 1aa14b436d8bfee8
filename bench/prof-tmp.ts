import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { DEMO_TENCENT, LOCAL_TOKEN, localClients, startDemoEmulator } from '../local/demo-setup.ts';
const emulator = await startDemoEmulator({ rateLimitPerSecond: Number.POSITIVE_INFINITY });
const env = {  PATH: process.env.PATH ?? '', BENCH_TOKEN: LOCAL_TOKEN, TENCENTCLOUD_SECRET_ID: DEMO_TENCENT.secretId, TENCENTCLOUD_SECRET_KEY: DEMO_TENCENT.secretKey, ROTATOR_CLIENTS: localClients(), TEO_ENDPOINT: emulator.url, BENCH_RESULT: '/tmp/r.json', BENCH_CALLS: '3000' };
await new Promise((done) => spawn(process.execPath, ['bench/child.ts', process.env.MODE ?? 'warm-rotation', resolve(process.env.BUNDLE ?? '/tmp/rot-plain.mjs'), emulator.url], { env, stdio: ['ignore', 'ignore', 'inherit'] }).on('exit', done));
process.exit(0);
