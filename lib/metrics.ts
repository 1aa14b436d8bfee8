import { Metrics } from '@aws-lambda-powertools/metrics';

/** CloudWatch Embedded Metric Format, flushed once per request by the logMetrics middleware. */
export const metrics = new Metrics({ namespace: 'TeoKeyRotator', serviceName: 'teo-key-rotator' });
