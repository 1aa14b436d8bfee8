// `npm run build`: one self-contained ES module per function, at dist/<function>/index.mjs, exporting `handler`;
// and the rotator CLI at dist/cli/rotator.mjs, the package's `bin`.
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import esbuildOptions from '../esbuild.config.cjs';

export const FUNCTIONS_DIR = 'functions';

/** The shared options, less the one only serverless-esbuild reads. */
function sharedOptions() {
  const { outputFileExtension, ...options } = esbuildOptions();
  return { options, outputFileExtension };
}

export async function buildFunctions(outdir = 'dist') {
  const { options, outputFileExtension } = sharedOptions();
  const entryPoints = Object.fromEntries(
    readdirSync(FUNCTIONS_DIR)
      .filter((file) => file.endsWith('.ts'))
      .map((file) => [`${basename(file, '.ts')}/index`, join(FUNCTIONS_DIR, file)]),
  );
  return build({
    ...options,
    entryPoints,
    outdir,
    outExtension: { '.js': outputFileExtension },
    metafile: true,
  });
}

/** Internal tools run the CLI on whatever Node they have, so it targets an older one than the Lambda. */
export async function buildCli(outdir = 'dist') {
  const { options, outputFileExtension } = sharedOptions();
  return build({
    ...options,
    entryPoints: { 'cli/rotator': 'cli/rotator.ts' },
    outdir,
    outExtension: { '.js': outputFileExtension },
    target: 'node20',
    alias: {},
    banner: { js: `#!/usr/bin/env node\n${options.banner?.js ?? ''}` },
    metafile: true,
  });
}

if (import.meta.main) {
  for (const { metafile } of [await buildFunctions(), await buildCli()]) {
    for (const [file, { bytes }] of Object.entries(metafile?.outputs ?? {}))
      console.log(`${file}  ${bytes} bytes`);
  }
}
