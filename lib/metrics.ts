import { Metrics } from '@aws-lambda-powertools/metrics';
import { SERVICE_NAME } from '#lib/logger.ts';

/** CloudWatch Embedded Metric Format, carried by each request's audit line (lib/middleware/audit-trail.ts). */
export const metrics = new Metrics({ namespace: 'TeoKeyRotator', serviceName: SERVICE_NAME });
