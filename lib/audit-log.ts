// The audit line: one per request or rotation step, with the fields Powertools' Lambda context injection would add.
import type { Context } from 'aws-lambda';
import { AuthenticationFailed, ConfigurationInvalid } from '#lib/errors.ts';
import { type Level, writeLogLine } from '#lib/log-line.ts';

let coldStart = true;

export function writeAuditLine(level: Level, context: Context, fields: Record<string, unknown>) {
  writeLogLine(level, 'rotation request', {
    cold_start: coldStart,
    function_name: context.functionName,
    function_request_id: context.awsRequestId,
    xray_trace_id: process.env._X_AMZN_TRACE_ID,
    ...fields,
  });
  coldStart = false;
}

/** Why a request or step failed, for operators, in words that were written to hold no secret. */
export function explainFailure(error: unknown): string | readonly string[] {
  if (error instanceof AuthenticationFailed) return error.reason;
  if (error instanceof ConfigurationInvalid) return error.problems;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
