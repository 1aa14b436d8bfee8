// A loopback stand-in for AWS STS's GetWebIdentityToken (IAM outbound identity federation; and IAM's
// GetOutboundWebIdentityFederationInfo, which names the issuer to deployers), as the STS API reference
// documents it: the Query protocol on a Region's endpoint, the caller's SigV4 checked, Audience (1 to 10),
// SigningAlgorithm (RS256 or ES384) and DurationSeconds (60 to 3600, default 300) validated, an XML answer; the
// token a JWT whose `sub` is the caller's role ARN, signed with the stand-in's own key, and the issuer's OIDC
// discovery document and JWKS served as AWS serves them (`/.well-known/openid-configuration`, `/.well-known/jwks.json`).
// Known (the token-claims page): iss, aud, sub, iat, exp, jti, and AWS's claims under "https://sts.amazonaws.com/".
// Inferred: the `kid` format, and that the published JWKS keeps a rotated-out key beside the new one.
import { createSign, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import http from 'node:http';
import { type LocalAccessKey, verifySigV4 } from '../local/sigv4-verifier.ts';
import { listenOnLoopback, readRequest } from './loopback-server.ts';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';

export interface AwsStsStandIn {
  /** The issuer (`iss`), as IAM's GetOutboundWebIdentityFederationInfo would give it. */
  readonly issuer: string;
  /** What a function's environment needs to reach it as its role: the endpoint variable, Region and fake keys. */
  readonly env: Readonly<Record<string, string>>;
  /** The role the fake keys stand for: every token's `sub`. */
  readonly roleArn: string;
  /** Each action received, in order. */
  readonly calls: string[];
  /** The JWKS the issuer publishes now. */
  jwks(): { keys: Record<string, unknown>[] };
  /** AWS publishes a new key and, unless told otherwise, starts signing with it; the old one stays published. */
  rotateSigningKey(options?: { signWithIt?: boolean }): void;
  /** The account's outbound federation is turned off (OutboundWebIdentityFederationDisabledException). */
  setEnabled(enabled: boolean): void;
  /** The next requests are answered with this error (a 5xx for InternalFailure, as AWS's). */
  failNext(code: string, times?: number): void;
  close(): Promise<void>;
}

interface SigningKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES384';
  readonly privateKey: KeyObject;
  readonly jwk: Record<string, unknown>;
}

function newKey(alg: 'RS256' | 'ES384'): SigningKey {
  const { privateKey, publicKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const kid = `${alg === 'RS256' ? 'RSA' : 'EC'}_${randomUUID().slice(0, 8)}`;
  return { kid, alg, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

function signJwt(key: SigningKey, claims: Record<string, unknown>): string {
  const signingInput = `${base64url(JSON.stringify({ alg: key.alg, typ: 'JWT', kid: key.kid }))}.${base64url(JSON.stringify(claims))}`;
  const signature = createSign(key.alg === 'RS256' ? 'RSA-SHA256' : 'SHA384')
    .update(signingInput)
    .sign({ key: key.privateKey, ...(key.alg === 'ES384' && { dsaEncoding: 'ieee-p1363' as const }) });
  return `${signingInput}.${base64url(signature)}`;
}

const escapeXml = (text: string) =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );

export async function startAwsStsStandIn({
  now = Date.now,
  otherKeys = {},
}: {
  now?: () => number;
  /** Access keys of the same role beside the stand-in's own (another stand-in's, sharing one environment). */
  otherKeys?: Readonly<Record<string, string>>;
} = {}): Promise<AwsStsStandIn> {
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/teo-key-rotator-dev-sync`;
  const accessKey = { id: 'AKIAFAKESTSSTANDIN00', secret: 'FakeStsStandInSecretAccessKey00000000000' };
  const keys: Readonly<Record<string, LocalAccessKey>> = Object.fromEntries(
    Object.entries({ ...otherKeys, [accessKey.id]: accessKey.secret }).map(([id, secretAccessKey]) => [
      id,
      { secretAccessKey, arn: roleArn },
    ]),
  );
  let signing = { RS256: newKey('RS256'), ES384: newKey('ES384') };
  const published: SigningKey[] = [signing.RS256, signing.ES384];
  const calls: string[] = [];
  const failures: string[] = [];
  let enabled = true;
  let issuer = '';

  const xmlError = (status: number, code: string, message: string) => ({
    status,
    type: 'text/xml',
    body: `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  });

  function getWebIdentityToken(params: URLSearchParams, caller: string) {
    const audience = [...params]
      .filter(([name]) => /^Audience\.member\.\d+$/.test(name))
      .map(([, value]) => value);
    const algorithm = params.get('SigningAlgorithm');
    const duration = Number(params.get('DurationSeconds') ?? 300);
    if (
      audience.length < 1 ||
      audience.length > 10 ||
      audience.some((aud) => aud.length < 1 || aud.length > 1000)
    )
      return xmlError(400, 'ValidationError', 'Audience must hold 1 to 10 values of 1 to 1000 characters.');
    if (algorithm !== 'RS256' && algorithm !== 'ES384')
      return xmlError(400, 'ValidationError', 'SigningAlgorithm must be RS256 or ES384.');
    if (!Number.isInteger(duration) || duration < 60 || duration > 3600)
      return xmlError(400, 'ValidationError', 'DurationSeconds must be from 60 to 3600.');
    if (!enabled) {
      return xmlError(
        403,
        'OutboundWebIdentityFederationDisabledException',
        'Outbound identity federation is disabled.',
      );
    }
    const iat = Math.floor(now() / 1000);
    const token = signJwt(signing[algorithm], {
      iss: issuer,
      aud: audience.length === 1 ? audience[0] : audience,
      sub: caller,
      iat,
      exp: iat + duration,
      jti: randomUUID(),
      'https://sts.amazonaws.com/': { aws_account: ACCOUNT, source_region: REGION, principal_id: caller },
    });
    return {
      status: 200,
      type: 'text/xml',
      body: `<GetWebIdentityTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetWebIdentityTokenResult><WebIdentityToken>${token}</WebIdentityToken><Expiration>${new Date((iat + duration) * 1000).toISOString()}</Expiration></GetWebIdentityTokenResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetWebIdentityTokenResponse>`,
    };
  }

  const server = http.createServer(async (request, response) => {
    const { body, headers } = await readRequest(request);
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const answer = (() => {
      if (request.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
        return {
          status: 200,
          type: 'application/json',
          body: JSON.stringify({
            issuer,
            jwks_uri: `${issuer}/.well-known/jwks.json`,
            id_token_signing_alg_values_supported: ['RS256', 'ES384'],
            subject_types_supported: ['public'],
            claims_supported: ['aud', 'exp', 'iat', 'iss', 'jti', 'sub', 'https://sts.amazonaws.com/'],
          }),
        };
      }
      if (request.method === 'GET' && url.pathname === '/.well-known/jwks.json') {
        return {
          status: 200,
          type: 'application/json',
          body: JSON.stringify({ keys: published.map(({ jwk }) => jwk) }),
        };
      }
      const verdict = verifySigV4(
        { method: request.method ?? '', path: url.pathname, query: url.search.slice(1), headers, body },
        keys,
        now(),
        // IAM's federation info is signed for iam in us-east-1 (IAM is global); STS's calls for the Region.
        { services: ['sts', 'iam'] },
      );
      if ('refused' in verdict) return xmlError(403, 'SignatureDoesNotMatch', verdict.refused);
      const params = new URLSearchParams(body.toString('utf8'));
      const action = params.get('Action') ?? '';
      calls.push(action);
      const failure = failures.shift();
      if (failure)
        return xmlError(failure === 'InternalFailure' ? 500 : 400, failure, `Injected ${failure}.`);
      if (action === 'GetOutboundWebIdentityFederationInfo') {
        return {
          status: 200,
          type: 'text/xml',
          body: `<GetOutboundWebIdentityFederationInfoResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetOutboundWebIdentityFederationInfoResult><IssuerIdentifier>${issuer}</IssuerIdentifier><JwtVendingEnabled>${enabled}</JwtVendingEnabled></GetOutboundWebIdentityFederationInfoResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetOutboundWebIdentityFederationInfoResponse>`,
        };
      }
      if (action !== 'GetWebIdentityToken' || params.get('Version') !== '2011-06-15')
        return xmlError(400, 'InvalidAction', `${action} is not stood in for.`);
      return getWebIdentityToken(params, verdict.arn);
    })();
    response.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
  });
  const listening = await listenOnLoopback(server);
  issuer = listening.url;
  return {
    issuer,
    close: listening.close,
    env: {
      AWS_ENDPOINT_URL_STS: issuer,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: accessKey.id,
      AWS_SECRET_ACCESS_KEY: accessKey.secret,
    },
    roleArn,
    calls,
    jwks: () => ({ keys: published.map(({ jwk }) => jwk) }),
    rotateSigningKey({ signWithIt = true } = {}) {
      const next = newKey('RS256');
      published.push(next);
      if (signWithIt) signing = { ...signing, RS256: next };
    },
    setEnabled: (on) => {
      enabled = on;
    },
    failNext: (code, times = 1) => void failures.push(...Array<string>(times).fill(code)),
  };
}
