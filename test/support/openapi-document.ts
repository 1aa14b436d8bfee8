// vitest's global set-up (vitest.config.ts): openapi.yaml parsed once per test run, in the main process, and
// handed to every test file (test/support/openapi.ts). Parsing it takes ~60 ms, which each file importing the
// check would otherwise pay, and the mutation run pays once per mutant: ~3,000 times.
import { readFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { parse } from 'yaml';

declare module 'vitest' {
  export interface ProvidedContext {
    openapiDocument: Record<string, unknown>;
  }
}

export default function setup(project: TestProject): void {
  project.provide(
    'openapiDocument',
    parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')),
  );
}
