import { Logger } from '@aws-lambda-powertools/logger';

/** The `service` of every log line, which is also the metrics' `service` dimension. */
export const SERVICE_NAME = 'teo-key-rotator';

/** One logger per process: Powertools adds the Lambda context (request id, cold start) to every line. */
export const logger = new Logger({ serviceName: SERVICE_NAME });
