// `npm run package [-- --stage prod --param="..."]`: the offline deployment package for the stage asked for, then the
// check of that stage's template (scripts/check-package.ts). Both see the same arguments, so a package made for
// prod is checked as prod's, never as dev's.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const flag = args.findIndex((arg) => arg === '--stage' || arg === '-s');
const stage =
  (flag >= 0 ? args[flag + 1] : args.find((arg) => arg.startsWith('--stage='))?.slice(8)) || 'dev';
const run = (command: string, commandArgs: string[]) =>
  spawnSync(command, commandArgs, { stdio: 'inherit' }).status ?? 1;

const packaged = run('npx', ['serverless', 'package', ...args]);
if (packaged !== 0) process.exit(packaged);
process.exit(run(process.execPath, ['scripts/check-package.ts', stage]));
