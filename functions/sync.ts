// Lambda entry point for sync (docs/contract.md §8): Doppler and Infisical webhooks through the HTTP API, Secrets
// Manager label changes through EventBridge, and the reconcile schedule. Configuration as the other functions'.
import { coldStartSource } from '#lib/handlers/cold-start.ts';
import { syncConfig } from '#lib/handlers/config/sync-config.ts';
import { createSyncHandler } from '#lib/handlers/sync/handler.ts';

export const handler = createSyncHandler(coldStartSource(syncConfig, { refused: 'every sync will fail' }));
