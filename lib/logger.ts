import { Logger } from '@aws-lambda-powertools/logger';

/** One logger per process: Powertools adds the Lambda context (request id, cold start) to every line. */
export const logger = new Logger({ serviceName: 'teo-key-rotator' });
