// Lambda entry point for sync (docs/contract.md §8): Doppler and Infisical webhooks through the HTTP API, Secrets
// Manager label changes through EventBridge, and the reconcile schedule. Configuration as the other functions'.

import { writeLogLine } from '#lib/handlers/audit/log-line.ts';
import { configSource } from '#lib/handlers/config/config-source.ts';
import { syncConfig } from '#lib/handlers/config/sync-config.ts';
import { createSyncHandler } from '#lib/handlers/sync/handler.ts';

const source = configSource(process.env, syncConfig, {
  warn: (message) => writeLogLine('WARN', message),
});
void source.current().then((loaded) => {
  if (!loaded.ok)
    writeLogLine('ERROR', 'invalid configuration: every sync will fail', { problems: loaded.problems });
});

export const handler = createSyncHandler(source);
