// Everything the process writes to stdout and stderr while a test runs: what CloudWatch would receive.
import { vi } from 'vitest';

export interface CapturedOutput {
  readonly text: () => string;
  /** The JSON log lines, parsed. */
  readonly lines: () => Record<string, unknown>[];
  readonly restore: () => void;
}

export function captureOutput(): CapturedOutput {
  const written: string[] = [];
  const record = (chunk: unknown) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(record),
    vi.spyOn(process.stderr, 'write').mockImplementation(record),
  ];
  return {
    text: () => written.join(''),
    lines: () =>
      written
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line)),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}
