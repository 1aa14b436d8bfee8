// Every line the functions write: one JSON object on stdout, which Lambda sends to CloudWatch. Written directly:
// Powertools Logger cost about 80 µs a line and a fifth of the cold import (BENCHMARKS.md), for lines this simple.

/** The `service` of every log line, which is also the metrics' `service` dimension. */
export const SERVICE_NAME = 'teo-key-rotator';

export type Level = 'INFO' | 'WARN' | 'ERROR';

export function writeLogLine(level: Level, message: string, fields: Readonly<Record<string, unknown>> = {}) {
  const line = { level, message, timestamp: new Date().toISOString(), service: SERVICE_NAME, ...fields };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
