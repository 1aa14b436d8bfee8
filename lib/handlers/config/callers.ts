// The callers of docs/contract.md §4, parsed once from ROTATOR_CLIENTS into typed credentials and zone grants.
import * as v from 'valibot';
import type { Caller, CallerCredential } from '#lib/domain/caller.ts';
import { parseIamPrincipal } from '#lib/domain/iam-principal.ts';
import { isJsonObject } from '#lib/domain/json-object.ts';
import { ZONE_ID_PATTERN, ZONE_ID_RULE } from '#lib/domain/zone-id.ts';
import { jsonListIn } from '#lib/handlers/config/json-list.ts';
import { invalid, type Loaded, valid } from '#lib/handlers/config/loaded.ts';
import { objectProblem } from '#lib/handlers/config/object-problem.ts';
import { decodeWebhookSecret } from '#lib/handlers/http/webhook.ts';

/** Valibot's default messages quote the received value: every rule here carries its own. */
const nonEmptyList = <T extends v.GenericSchema<unknown, string>>(item: T, field: string) =>
  v.pipe(v.array(item, `${field} must be a list`), v.minLength(1, `${field} must not be empty`));

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const TOKEN_DIGEST_RULE = 'each tokenSha256 must be 64 hex characters';
const ZONES_RULE = `zones must be ["*"] or a list of zone ids (${ZONE_ID_RULE})`;
const ZoneId = v.pipe(v.string(ZONES_RULE), v.regex(ZONE_ID_PATTERN, ZONES_RULE));

const CallerEntry = v.strictObject(
  {
    name: v.pipe(
      v.string('name must be a string'),
      v.regex(NAME, 'name must be 1 to 64 letters, digits, dots, dashes or underscores'),
    ),
    zones: v.union([v.strictTuple([v.literal('*')]), nonEmptyList(ZoneId, 'zones')], ZONES_RULE),
    tokenSha256: v.optional(
      nonEmptyList(
        v.pipe(v.string(TOKEN_DIGEST_RULE), v.regex(/^[0-9a-f]{64}$/i, TOKEN_DIGEST_RULE)),
        'tokenSha256',
      ),
    ),
    webhookSecrets: v.optional(
      nonEmptyList(v.string('each webhook secret must be a string'), 'webhookSecrets'),
    ),
    iamPrincipals: v.optional(nonEmptyList(v.string('each IAM principal must be a string'), 'iamPrincipals')),
  },
  objectProblem('has a field other than name, zones, tokenSha256, webhookSecrets and iamPrincipals'),
);

type Entry = v.InferOutput<typeof CallerEntry>;

/** Reports every problem at once, each naming the entry and the rule, never a credential's value. */
export function parseCallers(raw: string | undefined): Loaded<readonly Caller[]> {
  const list = jsonListIn('ROTATOR_CLIENTS', raw, { of: 'callers', nonEmpty: true });
  if (!list.ok) return list;
  const problems: string[] = [];
  const callers: Caller[] = [];
  list.config.forEach((item, index) => {
    const where = `ROTATOR_CLIENTS[${index}]${nameOf(item)}`;
    const result = v.safeParse(CallerEntry, item);
    if (!result.success) {
      problems.push(...result.issues.map((issue) => `${where}: ${issue.message}`));
      return;
    }
    const credential = credentialOf(result.output);
    if (typeof credential === 'string') problems.push(`${where}: ${credential}`);
    else callers.push({ name: result.output.name, zones: zonesOf(result.output), credential });
  });
  problems.push(...duplicateNames(callers), ...sharedCredentials(callers));
  return problems.length > 0 ? invalid(...problems) : valid(callers);
}

/** A name is quoted only when it is a valid one: anything else in that field may be a misplaced secret. */
const nameOf = (item: unknown) =>
  isJsonObject(item) && typeof item.name === 'string' && NAME.test(item.name) ? ` ("${item.name}")` : '';

const zonesOf = (entry: Entry): Caller['zones'] =>
  entry.zones[0] === '*' ? '*' : new Set(entry.zones as readonly string[]);

function credentialOf(entry: Entry): CallerCredential | string {
  const kinds: (CallerCredential | string)[] = [];
  if (entry.tokenSha256) {
    kinds.push({
      kind: 'bearer',
      tokenDigests: entry.tokenSha256.map((hex) => Buffer.from(hex, 'hex')),
    });
  }
  if (entry.webhookSecrets)
    kinds.push(every(entry.webhookSecrets.map(decodeWebhookSecret), (keys) => ({ kind: 'webhook', keys })));
  if (entry.iamPrincipals) {
    const principals = entry.iamPrincipals.map((arn) => parseIamPrincipal(arn) ?? IAM_PRINCIPAL_RULE);
    kinds.push(every(principals, (parsed) => ({ kind: 'iam', principals: parsed })));
  }
  const [only, ...others] = kinds;
  if (only === undefined || others.length > 0) {
    return 'must have exactly one of tokenSha256, webhookSecrets or iamPrincipals';
  }
  return only;
}

const IAM_PRINCIPAL_RULE =
  'each IAM principal must be a role or user ARN: arn:aws:iam::<12-digit account>:role/<name> or :user/<name>';

/** All parsed, or the first problem: a problem is a string, never the value that caused it. */
function every<T>(
  parsed: readonly (T | string)[],
  build: (values: T[]) => CallerCredential,
): CallerCredential | string {
  const problem = parsed.find((item): item is string => typeof item === 'string');
  return problem ?? build(parsed as T[]);
}

function duplicateNames(callers: readonly Caller[]): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const { name } of callers) {
    if (seen.has(name)) problems.push(`ROTATOR_CLIENTS: the name "${name}" is used by more than one caller`);
    seen.add(name);
  }
  return problems;
}

/** What identifies each credential, so that one credential admitting two callers can be found. */
const identitiesOf = (credential: CallerCredential): { what: string; identity: string }[] => {
  switch (credential.kind) {
    case 'bearer':
      return credential.tokenDigests.map((digest) => ({
        what: 'tokenSha256 digest',
        identity: digest.toString('hex'),
      }));
    case 'webhook':
      return credential.keys.map((key) => ({ what: 'webhook secret', identity: key.toString('hex') }));
    case 'iam':
      return credential.principals.map(({ kind, partition, account, name }) => ({
        what: 'IAM principal',
        identity: `${kind}:${partition}:${account}:${name}`,
      }));
  }
};

/** One credential admitting two callers would make the audit log's caller name, and their grants, ambiguous. */
function sharedCredentials(callers: readonly Caller[]): string[] {
  const owners = new Map<string, string>();
  const problems: string[] = [];
  for (const { name, credential } of callers) {
    for (const { what, identity } of identitiesOf(credential)) {
      const owner = owners.get(identity);
      if (owner !== undefined && owner !== name) {
        problems.push(`ROTATOR_CLIENTS: callers "${owner}" and "${name}" list the same ${what}`);
      }
      owners.set(identity, owner ?? name);
    }
  }
  return problems;
}
