// Signing Standard Webhooks requests the way a secrets manager's webhook sender does.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const webhookVector = JSON.parse(
  readFileSync(new URL('../../../shared/vectors/standard-webhooks.json', import.meta.url), 'utf8'),
).vector as { secret: string; id: string; timestamp: number; body: string; signature: string };

export function webhookSignature(
  secret: string,
  id: string,
  timestamp: number | string,
  body: Buffer | string,
) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

export const webhookHeaders = (secret: string, id: string, timestamp: number, body: Buffer | string) => ({
  'webhook-id': id,
  'webhook-timestamp': String(timestamp),
  'webhook-signature': webhookSignature(secret, id, timestamp, body),
});
