// docs/contract.md §8: a binding says "zone Z's gateway key is the secret S in manager M". Parsed once from
// ROTATOR_SYNC_BINDINGS like the callers: every problem at once, naming the binding and the rule, never a value.
import * as v from 'valibot';
import { isLoopbackHost } from '#lib/adapters/http/loopback.ts';
import type { Binding } from '#lib/domain/sync/binding.ts';
import { ZONE_ID_PATTERN, ZONE_ID_RULE } from '#lib/domain/zone-id.ts';
import { jsonListIn } from '#lib/handlers/config/json-list.ts';
import { invalid, type Loaded, valid } from '#lib/handlers/config/loaded.ts';
import { objectProblem } from '#lib/handlers/config/object-problem.ts';

/** A manager's API: https, or plain http to a loopback address (an emulator). Never a path, query or user info. */
const isApiBase = (raw: string) => {
  try {
    const url = new URL(raw);
    const secure = url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
    return secure && url.username === '' && url.password === '' && url.search === '' && url.pathname === '/';
  } catch {
    return false;
  }
};

const text = (field: string) =>
  v.pipe(
    v.string(`${field} must be a string`),
    v.regex(/^[^\s]{1,256}$/, `${field} must be 1 to 256 characters without spaces`),
  );
const apiBase = (field: string, fallback: string) =>
  v.optional(
    v.pipe(
      v.string(`${field} must be a string`),
      v.check(isApiBase, `${field} must be an https:// origin (http:// only to a loopback address)`),
    ),
    fallback,
  );

const Source = v.variant(
  'kind',
  [
    v.strictObject(
      {
        kind: v.literal('aws-secrets-manager'),
        secretArn: v.pipe(
          v.string('secretArn must be a string'),
          v.regex(
            /^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/,
            'secretArn must be a Secrets Manager secret ARN',
          ),
        ),
        field: v.optional(text('field')),
      },
      objectProblem('an aws-secrets-manager source has only secretArn and field'),
    ),
    v.strictObject(
      {
        kind: v.literal('doppler'),
        apiUrl: apiBase('apiUrl', 'https://api.doppler.com'),
        project: text('project'),
        config: text('config'),
        name: text('name'),
      },
      objectProblem('a doppler source has only apiUrl, project, config and name'),
    ),
    v.strictObject(
      {
        kind: v.literal('infisical'),
        siteUrl: apiBase('siteUrl', 'https://app.infisical.com'),
        projectId: text('projectId'),
        environment: text('environment'),
        secretPath: v.optional(
          v.pipe(text('secretPath'), v.startsWith('/', 'secretPath must start with /')),
          '/',
        ),
        name: text('name'),
      },
      objectProblem('an infisical source has only siteUrl, projectId, environment, secretPath and name'),
    ),
  ],
  'source.kind must be aws-secrets-manager, doppler or infisical',
);

const Entry = v.strictObject(
  {
    zone: v.pipe(
      v.string('zone must be a zone id'),
      v.regex(ZONE_ID_PATTERN, `zone must be a zone id (${ZONE_ID_RULE})`),
    ),
    source: Source,
  },
  objectProblem('a binding has only zone and source'),
);

export function parseBindings(raw: string | undefined): Loaded<readonly Binding[]> {
  // An empty list is a deployment with sync turned off: the schedule then finds nothing to do.
  const list = jsonListIn('ROTATOR_SYNC_BINDINGS', raw, { of: 'bindings', nonEmpty: false });
  if (!list.ok) return list;
  const problems: string[] = [];
  const bindings: Binding[] = [];
  list.config.forEach((item, index) => {
    const result = v.safeParse(Entry, item);
    if (!result.success)
      problems.push(...result.issues.map((issue) => `ROTATOR_SYNC_BINDINGS[${index}]: ${issue.message}`));
    else bindings.push({ zoneId: result.output.zone, source: result.output.source });
  });
  const zones = new Set<string>();
  for (const { zoneId } of bindings) {
    // Two sources for one zone would fight: each sync would undo the other's key.
    if (zones.has(zoneId)) problems.push(`ROTATOR_SYNC_BINDINGS: the zone ${zoneId} is bound more than once`);
    zones.add(zoneId);
  }
  return problems.length > 0 ? invalid(...problems) : valid(bindings);
}
