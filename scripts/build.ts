// `npm run build`: one self-contained ES module per function, at dist/<function>/index.mjs, exporting `handler`.
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import esbuildOptions from '../esbuild.config.cjs';

export const FUNCTIONS_DIR = 'functions';

export async function buildFunctions(outdir = 'dist') {
  const { outputFileExtension, exclude: _packagingOnly, ...options } = esbuildOptions();
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

if (import.meta.main) {
  const { metafile } = await buildFunctions();
  for (const [file, { bytes }] of Object.entries(metafile?.outputs ?? {}))
    console.log(`${file}  ${bytes} bytes`);
}
