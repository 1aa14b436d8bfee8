// A command the CLI prints names the CLI as the user ran it, and quotes what a shell would split.
import { describe, expect, it } from 'vitest';
import { invokedAs, shellQuote } from '../cli/shell.ts';

describe('the CLI as a printed command names it', () => {
  it.each([
    [
      'through the package script (npm run rotator)',
      { npm_lifecycle_event: 'rotator' },
      '/repo/cli/rotator.ts',
      'npm run rotator --',
    ],
    ['through npm exec (npx rotator)', { npm_command: 'exec' }, '/cache/.bin/rotator', 'npx rotator'],
    ['installed, its bin on PATH', { PATH: '/usr/bin:/opt/tools/bin' }, '/opt/tools/bin/rotator', 'rotator'],
    [
      'installed, its bin off PATH',
      { PATH: '/usr/bin' },
      '/home/me/my tools/bin/rotator',
      "'/home/me/my tools/bin/rotator'",
    ],
    ['as a script node runs', { PATH: '/repo/cli' }, '/repo/cli/rotator.ts', 'node /repo/cli/rotator.ts'],
    ['as the bundle node runs', {}, '/repo/dist/cli/rotator.mjs', 'node /repo/dist/cli/rotator.mjs'],
  ])('%s', (_, env, script, expected) => {
    expect(invokedAs(env, script)).toBe(expected);
  });
});

describe('a value in a printed command', () => {
  it.each([
    ['https://api.example/prod', 'https://api.example/prod'],
    ['zone-abc', 'zone-abc'],
    ['a b', "'a b'"],
    ["it's", "'it'\\''s'"],
    ['$(rm -rf /)', "'$(rm -rf /)'"],
    ['', "''"],
  ])('%j is written %s', (value, written) => {
    expect(shellQuote(value)).toBe(written);
  });
});
