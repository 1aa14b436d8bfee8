// `npm run package [-- --stage prod --param="..."]`: the offline deployment package for the stage asked for, then the
// check of that stage's template (scripts/check-package.ts). Both see the same arguments, so a package made for
// prod is checked as prod's, never as dev's. serverless-esbuild leaves a build directory per function in the
// temporary directory (it removes them through a file system that cannot remove): packaging gets one of its own,
// removed when it is done.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const flag = args.findIndex((arg) => arg === '--stage' || arg === '-s');
const stage =
  (flag >= 0 ? args[flag + 1] : args.find((arg) => arg.startsWith('--stage='))?.slice(8)) || 'dev';
const run = (command: string, commandArgs: string[], env = process.env) =>
  spawnSync(command, commandArgs, { stdio: 'inherit', env }).status ?? 1;

const scratch = mkdtempSync(join(tmpdir(), 'rotator-package-'));
const packaged = run('npx', ['serverless', 'package', ...args], { ...process.env, TMPDIR: scratch });
rmSync(scratch, { recursive: true, force: true });
if (packaged !== 0) process.exit(packaged);
process.exit(run(process.execPath, ['scripts/check-package.ts', stage]));
