// docs/contract.md §8's notifications, verified before anything is read, and the bindings each one selects. A
// notification only ever names a secret: the value is always read from the manager itself, so a replayed, duplicated
// or reordered one can do no more than start a sync that sets the current value.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthenticationFailed, InvalidRequest } from '#lib/domain/errors.ts';
import { isJsonObject } from '#lib/domain/json-object.ts';
import type { Binding } from '#lib/domain/sync/binding.ts';
import type { HttpRequest } from '#lib/handlers/http/request.ts';

const INFISICAL_TOLERANCE_MS = 5 * 60 * 1000;

const macOf = (secret: string, body: Buffer) => createHmac('sha256', secret).update(body).digest();

/**
 * A MAC from a header against the expected one, in constant time. Each header's own pattern admits 64 hex digits
 * and nothing else: a header it refuses (undefined here) is simply no match.
 */
function matches(hex: string | undefined, expected: Buffer): boolean {
  return hex !== undefined && timingSafeEqual(Buffer.from(hex, 'hex'), expected);
}

function json(body: Buffer): Record<string, unknown> {
  let document: unknown;
  try {
    document = JSON.parse(body.toString('utf8'));
  } catch {
    throw new InvalidRequest('InvalidParameter', 'The body is not well-formed JSON.');
  }
  if (!isJsonObject(document))
    throw new InvalidRequest('InvalidParameter', 'The body must be a JSON object.');
  return document;
}

/** POST /sync/doppler: `X-Doppler-Signature: sha256=<hex HMAC-SHA256 of the raw body>`; Doppler signs no time. */
export function dopplerBindings(
  request: HttpRequest,
  secret: string | undefined,
  bindings: readonly Binding[],
): Binding[] {
  const signature = /^sha256=([0-9a-f]{64})$/.exec(request.headers.get('x-doppler-signature') ?? '')?.[1];
  if (secret === undefined) throw new AuthenticationFailed('no DOPPLER_WEBHOOK_SECRET is configured');
  if (!matches(signature, macOf(secret, request.body)))
    throw new AuthenticationFailed('X-Doppler-Signature does not verify');
  const payload = json(request.body);
  if (payload.type !== 'config.secrets.update') return [];
  const config = isJsonObject(payload.config) ? payload.config : {};
  const project = config.project ?? (isJsonObject(payload.project) ? payload.project.slug : undefined);
  const configName = config.name ?? config.slug;
  const diff = isJsonObject(payload.diff) ? payload.diff : undefined;
  // When Doppler lists the names that changed, a change to none of the bound ones reads nothing.
  const changed =
    diff && ['added', 'updated', 'removed'].flatMap((list) => (Array.isArray(diff[list]) ? diff[list] : []));
  return bindings.filter(
    ({ source }) =>
      source.kind === 'doppler' &&
      source.project === project &&
      source.config === configName &&
      (changed === undefined || changed.includes(source.name)),
  );
}

/** POST /sync/infisical: `x-infisical-signature: t=<ms>;<hex HMAC-SHA256 of the raw body>`, t fresh and the body's. */
export function infisicalBindings(
  request: HttpRequest,
  secret: string | undefined,
  bindings: readonly Binding[],
  nowMs: number,
): Binding[] {
  const [, t, signature] =
    /^t=(\d{1,15});([0-9a-f]{64})$/.exec(request.headers.get('x-infisical-signature') ?? '') ?? [];
  if (secret === undefined) throw new AuthenticationFailed('no INFISICAL_WEBHOOK_SECRET is configured');
  if (!matches(signature, macOf(secret, request.body)))
    throw new AuthenticationFailed('x-infisical-signature does not verify');
  if (Math.abs(nowMs - Number(t)) > INFISICAL_TOLERANCE_MS) {
    throw new AuthenticationFailed('x-infisical-signature is older than 5 minutes');
  }
  const payload = json(request.body);
  // The signed time must be the body's own, so that a fresh header cannot carry an old body.
  if (String(payload.timestamp) !== t)
    throw new AuthenticationFailed('the signed time is not the body’s timestamp');
  if (payload.event !== 'secrets.modified') return [];
  const project = isJsonObject(payload.project) ? payload.project : {};
  // Infisical names the folder, not the secret (and coalesces bursts): every binding in that folder is synced.
  return bindings.filter(
    ({ source }) =>
      source.kind === 'infisical' &&
      source.projectId === project.workspaceId &&
      source.environment === project.environment &&
      source.secretPath === project.secretPath,
  );
}

/** EventBridge `Secret Label Updated` for AWSCURRENT: the binding of the secret it names, checked here again. */
export function secretEventBindings(event: Record<string, unknown>, bindings: readonly Binding[]): Binding[] {
  const detail = isJsonObject(event.detail) ? event.detail : {};
  const [arn] = Array.isArray(event.resources) ? event.resources : [];
  if (detail.labelUpdated !== 'AWSCURRENT' || typeof arn !== 'string') return [];
  return bindings.filter(({ source }) => source.kind === 'aws-secrets-manager' && source.secretArn === arn);
}
