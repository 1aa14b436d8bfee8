// The Standard Webhooks vector, and the CLI's signer (which the vector test checks) for signing test requests.
import { readFileSync } from 'node:fs';

export { webhookHeaders, webhookSignature } from '../../cli/webhook-signature.ts';

export const webhookVector = JSON.parse(
  readFileSync(new URL('../fixtures/vectors/standard-webhooks.json', import.meta.url), 'utf8'),
).vector as { secret: string; id: string; timestamp: number; body: string; signature: string };
