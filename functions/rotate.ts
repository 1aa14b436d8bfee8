// Lambda entry point for POST /rotate. Configuration comes from the environment and, deployed, from the secret
// ROTATOR_SECRET_ID names, whose read starts here, at cold start, while the runtime finishes starting.

import { writeLogLine } from '#lib/handlers/audit/log-line.ts';
import { configSource } from '#lib/handlers/config/config-source.ts';
import { rotatorConfig } from '#lib/handlers/config/rotator-config.ts';
import { createRotateHandler } from '#lib/handlers/rotate/handler.ts';

const source = configSource(process.env, rotatorConfig, { warn: (message) => writeLogLine('WARN', message) });
void source.current().then((loaded) => {
  if (!loaded.ok)
    writeLogLine('ERROR', 'invalid configuration: every request will be refused', {
      problems: loaded.problems,
    });
  else if (loaded.config.table === undefined && process.env.AWS_LAMBDA_FUNCTION_NAME) {
    writeLogLine(
      'WARN',
      'ROTATOR_TABLE is not set: zone leases and redelivery records live in this instance only, so concurrent instances do not see each other',
    );
  }
});

export const handler = createRotateHandler(source);
