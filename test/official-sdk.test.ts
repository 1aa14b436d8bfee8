// Other tools can use the emulator: Tencent's own TEO client, as the README's recipe configures it, run by plain
// Node in a child process exactly as a user's script would (no aliases, no test transforms).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TeoEmulator } from '../emulator/teo-emulator.ts';
import { DEMO_TENCENT, DEMO_ZONES, startDemoEmulator } from '../local/demo-setup.ts';
import { FINGERPRINT_KEY } from './support/fake-config.ts';

const run = promisify(execFile);
const ZONE = DEMO_ZONES[0] ?? '';
const KEY = Buffer.alloc(32, 3).toString('base64');

let emulator: TeoEmulator;
beforeAll(async () => {
  emulator = await startDemoEmulator();
});
afterAll(() => emulator.close());

/** The README's recipe, word for word but for the values. */
const recipe = (endpointHost: string) => `
const http = require('node:http');
const { teo } = require('tencentcloud-sdk-nodejs-teo');
const emulator = new URL(process.env.TEO_ENDPOINT);
// Sign for TEO's own host (the SDK takes the service, teo, from its first label), and dial the emulator.
const agent = new http.Agent({
  keepAlive: true,
  lookup: (_host, options, done) =>
    options.all ? done(null, [{ address: emulator.hostname, family: 4 }]) : done(null, emulator.hostname, 4),
});
const client = new teo.v20220901.Client({
  credential: { secretId: process.env.TENCENTCLOUD_SECRET_ID, secretKey: process.env.TENCENTCLOUD_SECRET_KEY },
  profile: { httpProfile: { endpoint: ${endpointHost}, protocol: 'http://', agent } },
});
client
  .ModifyMultiPathGatewaySecretKey({ ZoneId: process.env.ZONE, SecretKey: process.env.KEY })
  .then((answer) => console.log(JSON.stringify(answer)), (error) => console.log(JSON.stringify({ code: error.code, message: error.message })));
`;

const runRecipe = (endpointHost: string) =>
  run(process.execPath, ['-e', recipe(endpointHost)], {
    env: {
      PATH: process.env.PATH ?? '',
      TEO_ENDPOINT: emulator.url,
      TENCENTCLOUD_SECRET_ID: DEMO_TENCENT.secretId,
      TENCENTCLOUD_SECRET_KEY: DEMO_TENCENT.secretKey,
      ROTATOR_FINGERPRINT_KEY: FINGERPRINT_KEY,
      ZONE,
      KEY,
    },
  });

describe("Tencent's official TEO client against the emulator", () => {
  it("rotates a zone's key when configured as the README says", async () => {
    const { stdout } = await runRecipe("'teo.intl.tencentcloudapi.com:' + emulator.port");

    expect(JSON.parse(stdout)).toEqual({ RequestId: expect.any(String) });
    expect(emulator.zoneKey(ZONE)).toBe(KEY);
  });

  it("pointed at the emulator's address instead, is told which service to sign for", async () => {
    const { stdout } = await runRecipe('emulator.host');

    expect(JSON.parse(stdout)).toMatchObject({
      code: 'AuthFailure.SignatureFailure',
      message: expect.stringContaining(
        'The credential scope names the service 127, but requests here must be signed for teo.',
      ),
    });
  });
});
