// The audit line's writer. Powertools Logger costs about 80 µs a line (it deep-merges attributes and serializes
// through a replacer), which was most of the function's own time on a warm rotation; one JSON.stringify and one
// write cost about 15 µs. It writes the fields Powertools' Lambda context injection would. Measured in BENCHMARKS.md.
import type { Context } from 'aws-lambda';
import { AuthenticationFailed, ConfigurationInvalid } from '#lib/errors.ts';
import { SERVICE_NAME } from '#lib/logger.ts';

let coldStart = true;

export function writeAuditLine(level: 'INFO' | 'ERROR', context: Context, fields: Record<string, unknown>) {
  const line = {
    level,
    message: 'rotation request',
    timestamp: new Date().toISOString(),
    service: SERVICE_NAME,
    cold_start: coldStart,
    function_name: context.functionName,
    function_request_id: context.awsRequestId,
    xray_trace_id: process.env._X_AMZN_TRACE_ID,
    ...fields,
  };
  coldStart = false;
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Why a request or step failed, for operators, in words that were written to hold no secret. */
export function explainFailure(error: unknown): string | readonly string[] {
  if (error instanceof AuthenticationFailed) return error.reason;
  if (error instanceof ConfigurationInvalid) return error.problems;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
