// How a command the CLI prints is written, so that pasting it into a shell runs it: each value quoted when it
// needs to be, and the CLI named as the user ran it (a resend line that says `rotator` to someone who ran
// `npm run rotator --` from a checkout answers `command not found` at the worst moment).
import { basename, delimiter, dirname } from 'node:path';

export const shellQuote = (value: string) =>
  /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;

/**
 * The command that runs this CLI again as it was run now: `npm run rotator --` through the package's script,
 * `npx rotator` through npm exec, `rotator` from an installed bin on PATH, else the bin's path, or `node` and the
 * script's path. `script` is process.argv[1].
 */
export function invokedAs(env: NodeJS.ProcessEnv, script: string): string {
  if (env.npm_lifecycle_event === 'rotator') return 'npm run rotator --';
  if (env.npm_command === 'exec') return 'npx rotator';
  if (basename(script) !== 'rotator') return `node ${shellQuote(script)}`;
  return (env.PATH ?? '').split(delimiter).includes(dirname(script)) ? 'rotator' : shellQuote(script);
}
