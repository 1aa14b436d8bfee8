// Lambda entry point for POST /rotate. Configuration is read once, at cold start.
import { loadConfig } from '#lib/config.ts';
import { logger } from '#lib/logger.ts';
import { createRotateHandler } from '#lib/rotate-handler.ts';

const loaded = loadConfig(process.env);
if (!loaded.ok)
  logger.error('invalid configuration: every request will be refused', { problems: loaded.problems });
else if (loaded.config.table === undefined && process.env.AWS_LAMBDA_FUNCTION_NAME) {
  logger.warn(
    'ROTATOR_TABLE is not set: zone leases and redelivery records live in this instance only, so concurrent instances do not see each other',
  );
}

export const handler = createRotateHandler(loaded);
