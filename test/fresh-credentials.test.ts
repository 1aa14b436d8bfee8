// withFreshCredentials (lib/handlers/config/config-source.ts): a call TEO refuses for stale credentials is sent once
// more only when reading the configuration again gives other credentials; keyless credentials are renewed where
// they are used (the gateway), so a keyless configuration never sends it again here.
import { describe, expect, it } from 'vitest';
import type { TeoSettings } from '#lib/adapters/teo/teo-settings.ts';
import { TeoRefused } from '#lib/domain/teo-errors.ts';
import { withFreshCredentials } from '#lib/handlers/config/config-source.ts';
import { valid } from '#lib/handlers/config/loaded.ts';

const endpoint = { protocol: 'https:' as const, host: 'teo.intl.tencentcloudapi.com' };
const keyPair = (secretId: string, sessionToken?: string) => ({
  teo: {
    endpoint,
    timeoutMs: 1000,
    credentials: { secretId, secretKey: 'key', ...(sessionToken && { sessionToken }) },
  } satisfies TeoSettings,
});
const keyless = () => ({
  teo: {
    endpoint,
    timeoutMs: 1000,
    credentials: {
      oidc: {
        providerId: 'p',
        roleArn: 'qcs::cam::uin/1:roleName/r',
        audience: 'a',
        stsEndpoint: new URL('https://sts.intl.tencentcloudapi.com/'),
        stsRegion: 'ap-singapore',
      },
    },
  } satisfies TeoSettings,
});

/** How many times `use` ran when TEO refused the first call as stale, the configuration read again as `fresh`. */
async function sends<T extends { teo: TeoSettings }>(config: T, fresh: T) {
  const used: T[] = [];
  const source = { current: async () => valid(config), reread: async () => valid(fresh) };
  const outcome = await withFreshCredentials(source, config, async (given) => {
    used.push(given);
    if (used.length === 1)
      throw new TeoRefused('DescribeMultiPathGatewaySecretKey', 'AuthFailure.TokenFailure', 'r');
    return 'sent';
  }).catch((error: Error) => error.name);
  return { used: used.length, outcome };
}

describe('withFreshCredentials', () => {
  it('sends once more with a new session token', async () => {
    await expect(sends(keyPair('AKID1', 'old'), keyPair('AKID1', 'new'))).resolves.toEqual({
      used: 2,
      outcome: 'sent',
    });
  });

  it('sends once more with a new SecretId', async () => {
    await expect(sends(keyPair('AKID1'), keyPair('AKID2'))).resolves.toEqual({ used: 2, outcome: 'sent' });
  });

  it('answers the refusal when the credentials read again are the same', async () => {
    await expect(sends(keyPair('AKID1', 't'), keyPair('AKID1', 't'))).resolves.toEqual({
      used: 1,
      outcome: 'TeoRefused',
    });
  });

  it('never sends again for keyless credentials, from either side', async () => {
    await expect(sends(keyless(), keyless())).resolves.toEqual({ used: 1, outcome: 'TeoRefused' });
    await expect(sends<{ teo: TeoSettings }>(keyPair('AKID1'), keyless())).resolves.toEqual({
      used: 1,
      outcome: 'TeoRefused',
    });
    await expect(sends<{ teo: TeoSettings }>(keyless(), keyPair('AKID1'))).resolves.toEqual({
      used: 1,
      outcome: 'TeoRefused',
    });
  });
});
