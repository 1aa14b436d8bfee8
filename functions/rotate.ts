// Lambda entry point for POST /rotate. Configuration is read once, at cold start.
import { loadConfig } from '#lib/config.ts';
import { logger } from '#lib/logger.ts';
import { createRotateHandler } from '#lib/rotate-handler.ts';

const loaded = loadConfig(process.env);
if (!loaded.ok)
  logger.error('invalid configuration: every request will be refused', { problems: loaded.problems });

export const handler = createRotateHandler(loaded);
