// A loopback stand-in for Tencent Cloud's STS AssumeRoleWithWebIdentity (2018-08-13) with CAM's role SSO (OIDC) behind
// it, as Tencent documents them: the call is unsigned (`Authorization: SKIP`); the provider is CreateOIDCConfig's
// (Name = ProviderId, IdentityUrl = the token's `iss`, ClientId = the accepted `aud` values, IdentityKey = a base64
// copy of the issuer's JWKS, which CAM keeps and does not fetch); the role trusts the provider on `oidc:iss`,
// `oidc:aud` and `oidc:sub`; the answer is Credentials {TmpSecretId, TmpSecretKey, Token}, ExpiredTime and
// Expiration, the credentials handed to the TEO emulator so that TEO accepts them with their token until they end.
// Known: the parameters, the answer, the 43,200 s cap, the generic error codes (tencentcloud-sdk-go's sts errors.go).
// Inferred (Tencent documents no code per check): a token that fails a check is InvalidParameter.ParamError, a role
// whose trust the token does not meet UnauthorizedOperation; each check's reason is kept in `refusals`.
// CAM's DescribeOIDCConfig (2019-01-16) is served too, TC3-signed with the temporary credentials issued here (and
// their token), when the role may read it: what `rotator doctor` and the scheduled health check compare.
import { createPublicKey, createVerify, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { listenOnLoopback, readRequest } from './loopback-server.ts';
import { verifyTc3Request } from './tc3-signature.ts';

export interface OidcProviderConfig {
  /** CreateOIDCConfig's Name: the ProviderId callers name. */
  readonly name: string;
  readonly identityUrl: string;
  readonly clientIds: readonly string[];
  /** The JWKS, base64-encoded, as uploaded. */
  identityKey: string;
}

export interface WebIdentityRole {
  readonly roleArn: string;
  readonly provider: string;
  /** The trust policy's string_equal conditions. */
  readonly trust: { readonly iss: string; readonly aud: readonly string[]; readonly sub: readonly string[] };
}

export interface IssuedCredentials {
  readonly secretId: string;
  readonly secretKey: string;
  readonly token: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

export interface TencentStsStandIn {
  readonly url: string;
  /** Each exchange's outcome: `issued`, or the check it failed. */
  readonly refusals: string[];
  readonly issued: IssuedCredentials[];
  /** Every WebIdentityToken received, as sent: for tests that look for it where it must not be. */
  readonly tokens: string[];
  /** Whether the role's policy grants cam:DescribeOIDCConfig (it does unless told otherwise). */
  setCamReadable(readable: boolean): void;
  /** UpdateOIDCConfig: a new copy of the issuer's JWKS. */
  uploadJwks(provider: string, jwks: unknown): void;
  close(): Promise<void>;
}

const MAX_DURATION_SECONDS = 43_200;

export const identityKeyOf = (jwks: unknown) => Buffer.from(JSON.stringify(jwks)).toString('base64');

export async function startTencentStsStandIn({
  providers,
  roles,
  onIssue,
  now = Date.now,
  adminKeys = {},
}: {
  /** Key pairs (SecretId: SecretKey) of account users who may read CAM: a deployer's, for `rotator doctor`. */
  adminKeys?: Readonly<Record<string, string>>;
  providers: readonly OidcProviderConfig[];
  roles: readonly WebIdentityRole[];
  /** Told of each credential issued: the TEO emulator's acceptTemporary. */
  onIssue: (credentials: IssuedCredentials) => void;
  now?: () => number;
}): Promise<TencentStsStandIn> {
  const refusals: string[] = [];
  let camReadable = true;
  const issued: IssuedCredentials[] = [];
  const tokens: string[] = [];
  const providersByName = new Map(providers.map((provider) => [provider.name, { ...provider }]));

  class Refusal {
    readonly code: string;
    readonly reason: string;
    constructor(code: string, reason: string) {
      this.code = code;
      this.reason = reason;
    }
  }
  const refuse = (code: string, reason: string): never => {
    throw new Refusal(code, reason);
  };

  /** The token's claims, once its signature verifies under a key of the provider's JWKS copy. */
  function verifiedClaims(token: string, provider: OidcProviderConfig): Record<string, unknown> {
    const parts = token.split('.');
    if (parts.length !== 3) refuse('InvalidParameter.ParamError', 'WebIdentityToken is not a JWT');
    const [header, payload, signature] = parts as [string, string, string];
    let head: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return refuse('InvalidParameter.ParamError', 'WebIdentityToken is not a JWT');
    }
    if (head.alg !== 'RS256')
      refuse('InvalidParameter.ParamError', `the token is signed ${String(head.alg)}, not RS256`);
    let jwks: { keys?: Record<string, unknown>[] };
    try {
      jwks = JSON.parse(Buffer.from(provider.identityKey, 'base64').toString('utf8'));
    } catch {
      return refuse('InvalidParameter.ParamError', "the provider's IdentityKey is not a JWKS");
    }
    const jwk = jwks.keys?.find((key) => key.kid === head.kid && key.kty === 'RSA');
    if (jwk === undefined)
      refuse('InvalidParameter.ParamError', "no key of the provider's IdentityKey has the token's kid");
    const verifies = createVerify('RSA-SHA256')
      .update(`${header}.${payload}`)
      .verify(createPublicKey({ key: jwk as never, format: 'jwk' }), Buffer.from(signature, 'base64url'));
    if (!verifies) refuse('InvalidParameter.ParamError', 'the token signature does not verify');
    if (claims.iss !== provider.identityUrl)
      refuse('InvalidParameter.ParamError', "the token's iss is not the provider's");
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.some((aud) => provider.clientIds.includes(String(aud))))
      refuse('InvalidParameter.ParamError', "the token's aud is not among the provider's ClientId");
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now())
      refuse('InvalidParameter.ParamError', 'the token has expired');
    return claims;
  }

  function exchange(headers: http.IncomingHttpHeaders, body: string) {
    if (headers.authorization !== 'SKIP')
      refuse(
        'AuthFailure.InvalidAuthorization',
        'AssumeRoleWithWebIdentity is called with Authorization: SKIP',
      );
    if (headers['x-tc-action'] !== 'AssumeRoleWithWebIdentity' || headers['x-tc-version'] !== '2018-08-13')
      refuse('InvalidAction', 'only AssumeRoleWithWebIdentity 2018-08-13 is stood in for');
    if (!headers['x-tc-region']) refuse('MissingParameter', 'the Region common parameter is required');
    let params: Record<string, unknown>;
    try {
      params = JSON.parse(body);
    } catch {
      return refuse('InvalidParameter.ParamError', 'the body is not JSON');
    }
    const { ProviderId, WebIdentityToken, RoleArn, RoleSessionName, DurationSeconds = 7200 } = params;
    tokens.push(String(WebIdentityToken));
    if (typeof RoleSessionName !== 'string' || !/^[\w+=,.@-]{2,128}$/.test(RoleSessionName))
      refuse('InvalidParameter.ParamError', 'RoleSessionName must be 2 to 128 of [\\w+=,.@-]');
    if (typeof DurationSeconds !== 'number' || DurationSeconds < 1 || DurationSeconds > MAX_DURATION_SECONDS)
      refuse('InvalidParameter.OverTimeError', `DurationSeconds must be at most ${MAX_DURATION_SECONDS}`);
    const provider = providersByName.get(String(ProviderId));
    if (provider === undefined) refuse('InvalidParameter.ParamError', 'no OIDC provider has this ProviderId');
    const claims = verifiedClaims(String(WebIdentityToken), provider as OidcProviderConfig);
    const role = roles.find((candidate) => candidate.roleArn === RoleArn);
    if (role === undefined) refuse('ResourceNotFound.RoleNotFound', 'no role has this RoleArn');
    const { trust, provider: trusted } = role as WebIdentityRole;
    if (trusted !== ProviderId || claims.iss !== trust.iss)
      refuse('UnauthorizedOperation', 'the role does not trust this provider (oidc:iss)');
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.some((aud) => trust.aud.includes(String(aud))))
      refuse('UnauthorizedOperation', "the role's oidc:aud condition is not met");
    if (!trust.sub.includes(String(claims.sub)))
      refuse('UnauthorizedOperation', "the role's oidc:sub condition is not met");
    const expiresAt = Math.floor(now() / 1000) * 1000 + (DurationSeconds as number) * 1000;
    const credentials: IssuedCredentials = {
      secretId: `AKID${randomBytes(16).toString('hex').toUpperCase()}`,
      secretKey: randomBytes(24).toString('base64url'),
      token: randomBytes(48).toString('base64url'),
      expiresAt,
    };
    issued.push(credentials);
    onIssue(credentials);
    return {
      Credentials: {
        Token: credentials.token,
        TmpSecretId: credentials.secretId,
        TmpSecretKey: credentials.secretKey,
      },
      ExpiredTime: expiresAt / 1000,
      Expiration: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
  }

  /** CAM's DescribeOIDCConfig, signed for service cam with credentials issued here. */
  function describeOidcConfig(method: string, headers: Record<string, string>, body: Buffer) {
    const verdict = verifyTc3Request(
      { method, path: '/', query: '', headers, body },
      (secretId) =>
        adminKeys[secretId] ?? issued.find((credentials) => credentials.secretId === secretId)?.secretKey,
      'cam',
      Math.floor(Date.now() / 1000),
    );
    if (!verdict.ok) refuse(verdict.code, verdict.message);
    const { secretId } = verdict as { secretId: string };
    const admin = adminKeys[secretId] !== undefined;
    const session = issued.find((credentials) => credentials.secretId === secretId);
    if (!admin && (headers['x-tc-token'] !== session?.token || now() >= (session?.expiresAt ?? 0)))
      refuse('AuthFailure.TokenFailure', 'The token is invalid or has expired.');
    if (headers['x-tc-action'] !== 'DescribeOIDCConfig')
      refuse('InvalidAction', 'only DescribeOIDCConfig of CAM');
    if (!camReadable && !admin)
      refuse('AuthFailure.UnauthorizedOperation', 'the role may not cam:DescribeOIDCConfig');
    const provider = providersByName.get(String(JSON.parse(body.toString('utf8') || '{}').Name));
    if (provider === undefined) refuse('ResourceNotFound.IdentityNotExist', 'no OIDC provider has this Name');
    const { name, identityUrl, identityKey, clientIds } = provider as OidcProviderConfig;
    return {
      ProviderType: 11,
      IdentityUrl: identityUrl,
      IdentityKey: identityKey,
      ClientId: clientIds,
      Status: 2,
      Description: '',
      Name: name,
      AutoRotateKey: 0,
    };
  }

  const server = http.createServer(async (request, response) => {
    const { body, headers } = await readRequest(request);
    let answer: Record<string, unknown>;
    try {
      if (request.headers.authorization?.startsWith('TC3-HMAC-SHA256')) {
        answer = describeOidcConfig(request.method ?? '', headers, body);
      } else {
        answer = exchange(request.headers, body.toString('utf8'));
        refusals.push('issued');
      }
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      refusals.push(error.reason);
      answer = { Error: { Code: error.code, Message: error.reason } };
    }
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ Response: { ...answer, RequestId: randomUUID() } }));
  });
  const listening = await listenOnLoopback(server);
  return {
    url: `${listening.url}/`,
    close: listening.close,
    refusals,
    issued,
    tokens,
    setCamReadable: (readable) => {
      camReadable = readable;
    },
    uploadJwks(name, jwks) {
      const provider = providersByName.get(name);
      if (provider) provider.identityKey = identityKeyOf(jwks);
    },
  };
}
