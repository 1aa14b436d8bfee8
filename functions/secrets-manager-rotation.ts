// Lambda entry point that Secrets Manager's rotation schedule invokes, one step at a time. Configuration as the
// other functions': its own secret, and the fingerprint key's, read from cold start.
import { coldStartSource } from '#lib/handlers/cold-start.ts';
import { secretsManagerConfig } from '#lib/handlers/config/secrets-manager-config.ts';
import { createSecretsManagerRotationHandler } from '#lib/handlers/secrets-manager/handler.ts';

export const handler = createSecretsManagerRotationHandler(
  coldStartSource(secretsManagerConfig, { refused: 'every rotation step will fail' }),
);
