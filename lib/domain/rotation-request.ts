// Turns the raw HTTP body into a validated RotationRequest (docs/contract.md §2), or refuses it with the exact code.
import * as v from 'valibot';
import { BodyTooLarge, InvalidRequest, UnsupportedMediaType } from '#lib/domain/errors.ts';
import { isJsonObject } from '#lib/domain/json-object.ts';
import { evidentlyNotRandom } from '#lib/domain/key-randomness.ts';
import { elementWithRepeatedField } from '#lib/domain/repeated-field.ts';
import { ZONE_ID_PATTERN, ZONE_ID_RULE } from '#lib/domain/zone-id.ts';

export const MAX_BODY_BYTES = 8 * 1024;
const MIN_KEY_BYTES = 32;
const MAX_KEY_BYTES = 48;

export interface RotationRequest {
  readonly zoneId: string;
  readonly secretKey: string;
}

/**
 * Canonical means the string is exactly what encoding its bytes gives back: the standard alphabet, right padding,
 * no stray bits, no white space (Node's decoder skips what is not base64; the encoder never writes it).
 */
const isCanonicalBase64 = (text: string) => Buffer.from(text, 'base64').toString('base64') === text;

const decodedLengthInRange = (text: string) => {
  const bytes = Buffer.byteLength(text, 'base64');
  return bytes >= MIN_KEY_BYTES && bytes <= MAX_KEY_BYTES;
};

/** The two fields' rules, wherever a rotation comes from: an HTTP body, or a secret in Secrets Manager. */
export const ROTATION_FIELDS = {
  ZoneId: v.pipe(
    v.string('ZoneId must be a string.'),
    v.regex(ZONE_ID_PATTERN, `ZoneId must be ${ZONE_ID_RULE}.`),
  ),
  SecretKey: v.pipe(
    v.string('SecretKey must be a string.'),
    v.check(
      isCanonicalBase64,
      'SecretKey must be standard base64 with canonical = padding and no white space.',
    ),
    v.check(decodedLengthInRange, `SecretKey must decode to ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes.`),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const why = evidentlyNotRandom(Buffer.from(dataset.value, 'base64'));
      if (why !== undefined) {
        addIssue({
          message: `SecretKey must be random: ${why}. Generate one (rotator rotate --generate, or openssl rand -base64 32).`,
        });
      }
    }),
  ),
};

const RotationBody = v.strictObject({
  ...ROTATION_FIELDS,
  DryRun: v.optional(v.boolean('DryRun must be true or false.')),
});

/** A rotation as an HTTP caller asks for it: or only a rehearsal of it (docs/contract.md §7). */
export interface HttpRotationRequest extends RotationRequest {
  readonly dryRun: boolean;
}

const JSON_MEDIA_TYPE = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Runs before authentication: a caller that has not proved who it is must not make the function HMAC megabytes
 * once per configured webhook secret. Learning that a body is too large tells it nothing else.
 */
export function refuseOversizedBody(body: Buffer): void {
  if (body.byteLength > MAX_BODY_BYTES) {
    throw new BodyTooLarge(`The body is ${body.byteLength} bytes; at most ${MAX_BODY_BYTES} are accepted.`);
  }
}

/** After authentication, in docs/contract.md §2's order of blame: media type, JSON, then each field. */
export function parseRotationRequest(body: Buffer, contentType: string | undefined): HttpRotationRequest {
  if (contentType === undefined || !JSON_MEDIA_TYPE.test(contentType.trim())) {
    throw new UnsupportedMediaType('Content-Type must be application/json (optionally with charset=utf-8).');
  }
  const document = parseJson(body);
  if (!isJsonObject(document)) {
    throw new InvalidRequest('InvalidParameter', 'The body must be a JSON object.');
  }
  // Every issue, not only the first (valibot's default): an unknown field is reported before the others.
  const result = v.safeParse(RotationBody, document);
  if (result.success) {
    const { ZoneId, SecretKey, DryRun = false } = result.output;
    return { zoneId: ZoneId, secretKey: SecretKey, dryRun: DryRun };
  }
  throw fieldsRefusal(result.issues);
}

function parseJson(body: Buffer): unknown {
  // The parser's own message quotes the input, which may hold the key: it is never passed on, not even as a cause.
  let text: string;
  let document: unknown;
  try {
    text = utf8.decode(body);
    document = JSON.parse(text);
  } catch {
    throw new InvalidRequest('InvalidParameter', 'The body is not well-formed UTF-8 JSON.');
  }
  // JSON.parse keeps the last of two equal fields: which key was meant would be a guess.
  if (elementWithRepeatedField(text) !== undefined) {
    throw new InvalidRequest(
      'InvalidParameter',
      'The body gives a field twice: JSON would silently keep only the last.',
    );
  }
  return document;
}

type Issue = v.InferIssue<typeof RotationBody>;

const isUnknownField = (issue: Issue) => issue.type === 'strict_object' && issue.expected === 'never';
const isMissingField = (issue: Issue) => issue.type === 'strict_object' && issue.input === undefined;
const fieldOf = (issue: Issue) => String(issue.path?.[0]?.key ?? '');

/** An unknown field is reported first: it is usually a misspelling that also explains a "missing" one. */
function fieldsRefusal(issues: readonly [Issue, ...Issue[]]): InvalidRequest {
  const unknown = issues.find(isUnknownField);
  if (unknown) {
    return new InvalidRequest(
      'InvalidParameter',
      `${describeUnknownField(fieldOf(unknown))} is not accepted; the body takes only ZoneId, SecretKey and DryRun.`,
    );
  }
  const missing = issues.find(isMissingField);
  if (missing) return new InvalidRequest('MissingParameter', `${fieldOf(missing)} is required.`);
  return new InvalidRequest('InvalidParameterValue', issues[0].message);
}

/** The zone id of a path (GET /zones/{ZoneId}), checked by the same rule as the body's. */
export function parseZoneId(zoneId: string): string {
  const result = v.safeParse(ROTATION_FIELDS.ZoneId, zoneId);
  if (!result.success) throw new InvalidRequest('InvalidParameterValue', result.issues[0].message);
  return result.output;
}

/** A field name is caller input too: it is echoed only when it cannot be a smuggled secret. */
const describeUnknownField = (name: string) =>
  /^[A-Za-z][A-Za-z0-9_]{0,31}$/.test(name) ? `The field '${name}'` : 'An unknown field';
