// Lambda entry point that Secrets Manager's rotation schedule invokes, one step at a time.
import { loadSecretsManagerConfig } from '#lib/config.ts';
import { logger } from '#lib/logger.ts';
import { createSecretsManagerRotationHandler } from '#lib/secrets-manager/handler.ts';

const loaded = loadSecretsManagerConfig(process.env);
if (!loaded.ok)
  logger.error('invalid configuration: every rotation step will fail', { problems: loaded.problems });

export const handler = createSecretsManagerRotationHandler(loaded);
