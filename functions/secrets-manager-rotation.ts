// Lambda entry point that Secrets Manager's rotation schedule invokes, one step at a time. Its Tencent credentials
// come from the secret ROTATOR_SECRET_ID names, read at cold start.

import { writeLogLine } from '#lib/handlers/audit/log-line.ts';
import { configSource } from '#lib/handlers/config/config-source.ts';
import { secretsManagerConfig } from '#lib/handlers/config/secrets-manager-config.ts';
import { createSecretsManagerRotationHandler } from '#lib/handlers/secrets-manager/handler.ts';

const source = configSource(process.env, secretsManagerConfig, {
  warn: (message) => writeLogLine('WARN', message),
});
void source.current().then((loaded) => {
  if (!loaded.ok)
    writeLogLine('ERROR', 'invalid configuration: every rotation step will fail', {
      problems: loaded.problems,
    });
});

export const handler = createSecretsManagerRotationHandler(source);
