// docs/contract.md §3: how a function gets its Tencent credentials. `TENCENT_AUTH=key-pair` (the default): the key
// pair in its secret. `TENCENT_AUTH=oidc`, keyless: its AWS role's web identity token exchanged at Tencent's STS for
// a CAM role's temporary credentials; its configuration holds no secret, and a key pair beside it is refused.
// Problems name the variable and the rule, never a value.
import { isLoopbackHost } from '#lib/adapters/http/loopback.ts';
import type { TeoEndpoint } from '#lib/adapters/teo/endpoint.ts';
import type { TeoSettings } from '#lib/adapters/teo/teo-settings.ts';
import { allOf, invalid, type Loaded, mapLoaded, valid } from '#lib/handlers/config/loaded.ts';

type Environment = Readonly<Record<string, string | undefined>>;

const KEY_PAIR_VARIABLES = [
  'TENCENTCLOUD_SECRET_ID',
  'TENCENTCLOUD_SECRET_KEY',
  'TENCENTCLOUD_SESSION_TOKEN',
];

/** `teo`: TEO's endpoint, when it is valid: Tencent's STS is on the same site. */
export function tencentAuthOf(
  env: Environment,
  teo: TeoEndpoint | undefined,
): Loaded<TeoSettings['credentials']> {
  const mode = env.TENCENT_AUTH || 'key-pair';
  if (mode === 'key-pair') {
    return mapLoaded(
      allOf({
        secretId: required(env, 'TENCENTCLOUD_SECRET_ID'),
        secretKey: required(env, 'TENCENTCLOUD_SECRET_KEY'),
      }),
      ({ secretId, secretKey }) => {
        const sessionToken = env.TENCENTCLOUD_SESSION_TOKEN;
        return { secretId, secretKey, ...(sessionToken ? { sessionToken } : {}) };
      },
    );
  }
  if (mode !== 'oidc') return invalid('TENCENT_AUTH must be key-pair (the default) or oidc');
  const keys = KEY_PAIR_VARIABLES.filter((name) => env[name]);
  if (keys.length > 0) {
    return invalid(
      `TENCENT_AUTH=oidc holds no key: unset ${keys.join(', ')} (a key beside it would be a key to leak)`,
    );
  }
  return mapLoaded(
    allOf({
      providerId: matching(
        env,
        'TENCENT_OIDC_PROVIDER_ID',
        /^[\w.-]{1,128}$/,
        "CAM's name of the OIDC provider",
      ),
      roleArn: matching(
        env,
        'TENCENT_ROLE_ARN',
        /^qcs::cam::uin\/\d{1,20}:roleName\/[\w+=,.@-]{1,128}$/,
        'a CAM role ARN: qcs::cam::uin/<uin>:roleName/<name>',
      ),
      audience: matching(
        env,
        'TENCENT_OIDC_AUDIENCE',
        /^[A-Za-z0-9][\w.:/-]{0,63}$/,
        "one of the provider's client ids: up to 64 letters, digits and . - _ : /",
      ),
      stsRegion: matching(
        env,
        'TENCENT_STS_REGION',
        /^[a-z]{2}-[a-z]+(?:-[a-z0-9]+)?$/,
        'a Tencent Cloud region such as ap-singapore',
      ),
      stsEndpoint: stsEndpointOf(env.TENCENT_STS_ENDPOINT, teo),
    }),
    (oidc) => ({ oidc }),
  );
}

const required = (env: Environment, name: string): Loaded<string> => {
  const value = env[name];
  return value ? valid(value) : invalid(`${name} is not set`);
};

const matching = (env: Environment, name: string, pattern: RegExp, rule: string): Loaded<string> => {
  const value = env[name];
  if (!value) return invalid(`${name} is not set (TENCENT_AUTH=oidc): ${rule}`);
  return pattern.test(value) ? valid(value) : invalid(`${name} must be ${rule}`);
};

const TENCENT_HOST = /^(?:[a-z0-9-]+\.)*tencentcloudapi\.com$/;
const siteOf = (host: string) => (host.includes('.intl.') ? 'intl' : 'china');

/**
 * Tencent's STS on TEO's site (sts.intl.tencentcloudapi.com beside teo.intl.tencentcloudapi.com): temporary
 * credentials from one site are not the other's. Named, it must be on that site, or loopback (a stand-in).
 */
function stsEndpointOf(raw: string | undefined, teo: TeoEndpoint | undefined): Loaded<URL> {
  const teoHost = teo?.dialAddress === undefined ? teo?.host : undefined;
  if (!raw) {
    if (teoHost === undefined) {
      return invalid(
        'TENCENT_STS_ENDPOINT is not set: with TEO_ENDPOINT on loopback (an emulator), name its STS too',
      );
    }
    return valid(new URL(`https://${teoHost.replace(/^teo\./, 'sts.')}/`));
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return invalid('TENCENT_STS_ENDPOINT is not a URL');
  }
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return valid(url);
  if (url.protocol !== 'https:' || !/^sts\./.test(url.hostname) || !TENCENT_HOST.test(url.hostname)) {
    return invalid(
      'TENCENT_STS_ENDPOINT must be https://sts.<site>.tencentcloudapi.com or an http:// loopback URL',
    );
  }
  if (teoHost !== undefined && siteOf(url.hostname) !== siteOf(teoHost)) {
    return invalid("TENCENT_STS_ENDPOINT must be on TEO_ENDPOINT's site (both intl, or neither)");
  }
  return valid(url);
}
