// Lambda entry point for POST /rotate and GET /zones/{ZoneId}. Configuration comes from the environment and,
// deployed, from the secrets ROTATOR_SECRET_ID and ROTATOR_FINGERPRINT_SECRET_ID name, read from cold start.
import { writeLogLine } from '#lib/handlers/audit/log-line.ts';
import { coldStartSource } from '#lib/handlers/cold-start.ts';
import { rotatorConfig } from '#lib/handlers/config/rotator-config.ts';
import { createRotateHandler } from '#lib/handlers/rotate/handler.ts';

const source = coldStartSource(rotatorConfig, {
  refused: 'every request will be refused',
  loaded: (config) => {
    if (config.table === undefined && process.env.AWS_LAMBDA_FUNCTION_NAME) {
      writeLogLine(
        'WARN',
        'ROTATOR_TABLE is not set: zone leases and redelivery records live in this instance only, so concurrent instances do not see each other',
      );
    }
  },
});

export const handler = createRotateHandler(source);
