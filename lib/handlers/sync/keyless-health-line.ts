// docs/contract.md §3: in keyless mode the schedule's run checks, once an hour, what keeps every function working
// (lib/adapters/teo/keyless-health.ts), and writes one line: `operation: "keyless-health"`, outcome `healthy` or
// `unhealthy` (ERROR, and the alarmed KeylessUnhealthy metric), the step that failed and the key ids it compared.
import type { Context } from 'aws-lambda';
import { type AwsJsonClient, awsJsonClient } from '#lib/adapters/aws/aws-json-client.ts';
import { checkKeyless } from '#lib/adapters/teo/keyless-health.ts';
import type { Clock } from '#lib/domain/retry.ts';
import { startAudit, writeAudit } from '#lib/handlers/audit/audit-log.ts';
import type { SyncConfig } from '#lib/handlers/config/sync-config.ts';

export async function auditKeylessHealth(
  context: Context,
  { teo, bindings }: SyncConfig,
  { sts = awsJsonClient('sts'), clock }: { sts?: AwsJsonClient | undefined; clock: Clock },
) {
  if (!('oidc' in teo.credentials)) return;
  const audit = startAudit(context);
  const health = await checkKeyless({
    oidc: teo.credentials.oidc,
    teo,
    // A zone the deployment rotates: its first binding's.
    zoneId: bindings[0]?.zoneId,
    sts,
    clock,
  });
  writeAudit(audit, {
    outcome: health.healthy ? 'healthy' : 'unhealthy',
    fields: {
      operation: 'keyless-health',
      failedStep: health.failed?.step,
      errorDetail: health.failed?.reason,
      tokenKid: health.tokenKid,
      missingFromCam: health.missingFromCam?.length ? health.missingFromCam : undefined,
    },
  });
}
