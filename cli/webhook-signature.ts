// Standard Webhooks v1 signing, as a secrets manager's webhook sender does it.
import { createHmac } from 'node:crypto';

export function webhookSignature(
  secret: string,
  id: string,
  timestamp: number | string,
  body: Buffer | string,
) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64')}`;
}

export const webhookHeaders = (secret: string, id: string, timestamp: number, body: Buffer | string) => ({
  'webhook-id': id,
  'webhook-timestamp': String(timestamp),
  'webhook-signature': webhookSignature(secret, id, timestamp, body),
});
