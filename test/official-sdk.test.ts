// Other tools can use the emulator: Tencent's own TEO client, as the recipe (docs/examples/official-sdk.mjs, shown in
// docs/local.md word for word) configures it, run by plain Node in a child process as a user runs it.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TeoEmulator } from '../emulator/teo-emulator.ts';
import { DEMO_TENCENT, DEMO_ZONES, startDemoEmulator } from '../local/demo-setup.ts';

const RECIPE = 'docs/examples/official-sdk.mjs';
const ZONE = DEMO_ZONES[0] ?? '';
const KEY = Buffer.alloc(32, 3).toString('base64');

let emulator: TeoEmulator;
beforeAll(async () => {
  emulator = await startDemoEmulator();
});
afterAll(() => emulator.close());

describe("Tencent's official TEO client against the emulator", () => {
  it('is shown in docs/local.md as the recipe file holds it', () => {
    const shown = /## Using the emulator from other tools[\s\S]*?```js\n([\s\S]*?)```/.exec(
      readFileSync('docs/local.md', 'utf8'),
    )?.[1];

    expect(shown).toBe(readFileSync(RECIPE, 'utf8'));
  });

  it("rotates a zone's key, run as the recipe says", async () => {
    const child = execFile(process.execPath, [RECIPE, ZONE], {
      env: {
        PATH: process.env.PATH ?? '',
        TEO_ENDPOINT: emulator.url,
        TENCENTCLOUD_SECRET_ID: DEMO_TENCENT.secretId,
        TENCENTCLOUD_SECRET_KEY: DEMO_TENCENT.secretKey,
      },
    });
    child.stdin?.end(`${KEY}\n`);
    let stdout = '';
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    const code = await new Promise((exited) => child.on('exit', exited));

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ RequestId: expect.any(String) });
    expect(emulator.zoneKey(ZONE)).toBe(KEY);
  });
});
