// Who a request comes from (lib/handlers/http/authenticate-caller.ts), with callers parsed from ROTATOR_CLIENTS as deployed:
// the guards that pick out the one right caller, each shown to matter.
import { describe, expect, it } from 'vitest';
import type { Caller } from '#lib/domain/caller.ts';
import { AuthenticationFailed } from '#lib/domain/errors.ts';
import { parseCallers } from '#lib/handlers/config/callers.ts';
import { authenticateCaller } from '#lib/handlers/http/authenticate-caller.ts';
import { verifyBearerToken } from '#lib/handlers/http/bearer.ts';
import type { HttpRequest } from '#lib/handlers/http/request.ts';
import { sha256Hex } from './support/fake-config.ts';

const TOKEN = 'test-token-authenticate-0123456789';
const CI_ROLE = 'arn:aws:iam::123456789012:role/rotator-ci';
const OPS_ROLE = 'arn:aws:iam::123456789012:role/rotator-ops';
const BREAK_GLASS = 'arn:aws:iam::123456789012:role/break-glass';
const session = (role: string) =>
  `arn:aws:sts::123456789012:assumed-role/${role.slice(role.lastIndexOf('/') + 1)}/session-1`;

function callersFrom(entries: readonly object[]): readonly Caller[] {
  const parsed = parseCallers(JSON.stringify(entries));
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.config;
}

const CALLERS = callersFrom([
  { name: 'ops-token', zones: ['*'], tokenSha256: [sha256Hex(TOKEN)] },
  { name: 'ci', zones: ['*'], iamPrincipals: [CI_ROLE] },
  { name: 'ops', zones: ['*'], iamPrincipals: [OPS_ROLE, BREAK_GLASS] },
]);

const request = (headers: Record<string, string>, iamPrincipal?: string): HttpRequest => ({
  method: 'POST',
  path: iamPrincipal ? '/iam/rotate' : '/rotate',
  headers: new Map(Object.entries(headers)),
  body: Buffer.from('{}'),
  iamPrincipal,
  sourceIp: undefined,
  userAgent: undefined,
});

const whoIs = (headers: Record<string, string>, iamPrincipal?: string) => {
  try {
    return authenticateCaller(request(headers, iamPrincipal), CALLERS, 1_800_000_000).caller.name;
  } catch (error) {
    if (error instanceof AuthenticationFailed) return `refused: ${error.reason}`;
    throw error;
  }
};

describe('authenticateCaller', () => {
  it('takes a bearer token only in the Bearer scheme, in any case, and nothing before it', () => {
    expect(whoIs({ authorization: `Bearer ${TOKEN}` })).toBe('ops-token');
    expect(whoIs({ authorization: `bearer ${TOKEN}` })).toBe('ops-token');
    expect(whoIs({ authorization: `NotBearer ${TOKEN}` })).toBe('refused: bearer credential did not verify');
    expect(whoIs({ authorization: `Basic Bearer ${TOKEN}` })).toBe(
      'refused: bearer credential did not verify',
    );
  });

  it('tells two IAM callers apart: each role is its own caller', () => {
    expect(whoIs({}, session(CI_ROLE))).toBe('ci');
    expect(whoIs({}, session(OPS_ROLE))).toBe('ops');
  });

  it('admits a caller through any of the IAM principals it lists, not only the first', () => {
    expect(whoIs({}, session(BREAK_GLASS))).toBe('ops');
  });

  it('takes spaces after the scheme, and a token only when one follows', () => {
    expect(whoIs({ authorization: `Bearer   ${TOKEN}` })).toBe('ops-token');
    expect(whoIs({ authorization: `Bearer ${TOKEN} trailing` })).toBe(
      'refused: bearer credential did not verify',
    );
    expect(whoIs({ authorization: 'Bearer  ' })).toBe('refused: bearer credential did not verify');
    expect(whoIs({ authorization: `Bearer${TOKEN}` })).toBe('refused: bearer credential did not verify');
    // A direct invoke can put a line break in a header: nothing after the token is ignored.
    expect(whoIs({ authorization: `Bearer ${TOKEN}\nx` })).toBe('refused: bearer credential did not verify');
  });

  it.each([
    ['nothing', {}, undefined, 'no credential presented'],
    [
      'a bearer token and a webhook header',
      { authorization: `Bearer ${TOKEN}`, 'webhook-id': 'msg_1' },
      undefined,
      'credentials of several kinds presented: bearer, webhook',
    ],
    ...['webhook-id', 'webhook-timestamp', 'webhook-signature'].map(
      (name): [string, Record<string, string>, string, string] => [
        `an IAM principal and a ${name} header`,
        { [name]: 'x' },
        session(CI_ROLE),
        'credentials of several kinds presented: webhook, iam',
      ],
    ),
    [
      'an IAM principal and a bearer token',
      { authorization: `Bearer ${TOKEN}` },
      session(CI_ROLE),
      'credentials of several kinds presented: bearer, iam',
    ],
  ])('refuses %s, saying so', (_, headers, principal, reason) => {
    expect(whoIs(headers, principal)).toBe(`refused: ${reason}`);
  });

  it("takes the SigV4 Authorization that AWS verified as part of the IAM caller's credential", () => {
    const sigv4 = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/eu-west-1/execute-api/aws4_request';

    expect(whoIs({ authorization: sigv4 }, session(CI_ROLE))).toBe('ci');
    expect(whoIs({ authorization: sigv4.toLowerCase() }, session(CI_ROLE))).toBe('ci');
    expect(whoIs({ authorization: `x${sigv4}` }, session(CI_ROLE))).toBe(
      'refused: credentials of several kinds presented: bearer, iam',
    );
    expect(whoIs({ authorization: sigv4 })).toBe('refused: bearer credential did not verify');
  });

  it('refuses an AWS-verified principal that no caller lists as unauthorized, not unauthenticated', () => {
    expect(() => whoIs({}, 'arn:aws:sts::123456789012:assumed-role/intruder/session-1')).toThrow(
      expect.objectContaining({
        name: 'CallerNotAuthorized',
        message: 'This AWS principal is not a listed caller.',
      }),
    );
  });
});

describe('verifyBearerToken', () => {
  // A digest can be configured for any text; only an RFC 6750 b64token is ever a token. Anything else in the header
  // is two joined headers or junk, refused even when its digest is listed.
  const LISTED = ['tok,en', 'tok en', 'token=x', '=token', 'tökén', 'token==', 'a', 'A-._~+/9=='];
  const callers = callersFrom(
    LISTED.map((token, index) => ({ name: `c${index}`, zones: ['*'], tokenSha256: [sha256Hex(token)] })),
  );
  const who = (token: string) => verifyBearerToken(token, callers)?.name ?? 'refused';

  it.each([
    ['tok,en', 'refused'],
    ['tok en', 'refused'],
    ['token=x', 'refused'],
    ['=token', 'refused'],
    ['tökén', 'refused'],
    ['token==', 'c5'],
    ['a', 'c6'],
    ['A-._~+/9==', 'c7'],
  ])('answers the token %j, whose digest is listed: %s', (token, expected) => {
    expect(who(token)).toBe(expected);
  });
});

describe('tokenSha256 at load', () => {
  const problemsOf = (digest: string) => {
    const parsed = parseCallers(JSON.stringify([{ name: 'a', zones: ['*'], tokenSha256: [digest] }]));
    return parsed.ok ? [] : parsed.problems;
  };
  const digest = sha256Hex(TOKEN);

  it.each([
    ['65 characters', `${digest}0`],
    ['a character before 64', `x${digest}`],
    ['63 characters', digest.slice(1)],
  ])('refuses a digest of %s, which would fail every bearer request later', (_, bad) => {
    expect(problemsOf(bad)).toEqual(['ROTATOR_CLIENTS[0] ("a"): each tokenSha256 must be 64 hex characters']);
  });

  it('takes exactly 64 hex characters, in either case', () => {
    expect(problemsOf(digest.toUpperCase())).toEqual([]);
  });
});
