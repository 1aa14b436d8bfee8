// The local stack over real loopback HTTP, as `npm start` assembles it: the local server (HTTP API + its AWS_IAM
// route) serving the handler, against the TEO emulator; and the rotator CLI run from source in a child process.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';
import { createInMemoryLedger } from '#lib/domain/ledger/in-memory-ledger.ts';
import type { RotationLedger } from '#lib/domain/ledger/rotation-ledger.ts';
import { loadConfig } from '#lib/handlers/config/rotator-config.ts';
import { createRotateHandler } from '#lib/handlers/rotate/handler.ts';
import type { TeoEmulator } from '../../emulator/teo-emulator.ts';
import { DEMO_TENCENT, LOCAL_ACCESS_KEYS, localClients, startDemoEmulator } from '../../local/demo-setup.ts';
import { type LocalServer, startLocalServer } from '../../local/server.ts';
import { FAST_RETRY, FINGERPRINT_KEY } from './fake-config.ts';

/** The region the local server stands for; the CLI's IAM callers sign for it. */
export const LOCAL_REGION = 'eu-west-1';

export interface LocalStack {
  readonly emulator: TeoEmulator;
  readonly server: LocalServer;
  readonly ledger: RotationLedger;
  close(): Promise<void>;
}

/** `extra`: variables over the stack's own (sync bindings, say). */
export async function startLocalStack(extra: Record<string, string> = {}): Promise<LocalStack> {
  const emulator = await startDemoEmulator();
  const env = {
    TENCENTCLOUD_SECRET_ID: DEMO_TENCENT.secretId,
    TENCENTCLOUD_SECRET_KEY: DEMO_TENCENT.secretKey,
    ROTATOR_FINGERPRINT_KEY: FINGERPRINT_KEY,
    TEO_ENDPOINT: emulator.url,
    TEO_TIMEOUT_MS: '500',
    ROTATOR_CLIENTS: localClients(),
    ...extra,
  };
  const ledger = createInMemoryLedger();
  const server = await startLocalServer(createRotateHandler(loadConfig(env), { retry: FAST_RETRY, ledger }), {
    port: 0,
    accessKeys: LOCAL_ACCESS_KEYS,
    region: LOCAL_REGION,
  });
  return {
    emulator,
    server,
    ledger,
    close: async () => {
      await server.close();
      await emulator.close();
    },
  };
}

/**
 * The CLI's temporary directory in tests (where it keeps a key whose outcome is unknown): one for the test process,
 * removed when its tests end, so that no run leaves key files behind in the machine's.
 */
const CLI_TMPDIR = mkdtempSync(join(tmpdir(), 'rotator-tests-'));
// Registered as the importing test file loads: it runs once that file's tests are done.
afterAll(() => rmSync(CLI_TMPDIR, { recursive: true, force: true }));

/** How the CLI is run here, as a command it prints names it: node and the script's absolute path. */
export const RUN_AS = `node ${resolve('cli/rotator.ts')}`;

/**
 * A command run as a user runs it, with only the environment a test gives it (over a private TMPDIR and no AWS
 * configuration of the machine's): its exit code and output.
 */
export async function runProcess(
  [file = '', ...args]: readonly string[],
  env: Record<string, string> = {},
  stdin?: string,
) {
  const child = execFile(file, args, {
    env: {
      PATH: process.env.PATH ?? '',
      TMPDIR: CLI_TMPDIR,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      ...env,
    },
  });
  child.stdin?.end(stdin ?? '');
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code] = await once(child, 'exit');
  return { code: code as number, stdout, stderr };
}

/** The CLI from source, run by node as `npm run rotator` runs it. */
export const rotator = (args: string[], env: Record<string, string> = {}, stdin?: string) =>
  runProcess([process.execPath, 'cli/rotator.ts', ...args], env, stdin);

/** A command line as a user pastes it, run by the shell. */
export const inShell = (command: string, env: Record<string, string> = {}, stdin?: string) =>
  runProcess(['/bin/sh', '-c', command], env, stdin);
