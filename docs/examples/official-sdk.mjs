// Tencent's own Node client (tencentcloud-sdk-nodejs-teo) against the TEO emulator: `npm run emulator` prints
// TEO_ENDPOINT and the demo credentials to export. The new key is read from standard input:
//   openssl rand -base64 32 | node docs/examples/official-sdk.mjs zone-27q0p0bal192
import http from 'node:http';
import { text } from 'node:stream/consumers';
import tencentcloud from 'tencentcloud-sdk-nodejs-teo';

/** @param {string} name */
const need = (name) => process.env[name] || fail(`${name} is not set: npm run emulator prints it`);
/** @param {string} why @returns {never} */
const fail = (why) => {
  console.error(why);
  process.exit(2);
};
const zoneId = process.argv[2] || fail('usage: node docs/examples/official-sdk.mjs ZONE_ID < key');
const emulator = new URL(need('TEO_ENDPOINT'));
// The SDK signs for the service its endpoint's first label names: it is given TEO's own host, plain http, and an
// agent that dials the emulator's address instead.
const agent = new http.Agent({
  keepAlive: true,
  lookup: (_host, options, done) =>
    options.all ? done(null, [{ address: emulator.hostname, family: 4 }]) : done(null, emulator.hostname, 4),
});
const client = new tencentcloud.teo.v20220901.Client({
  credential: {
    secretId: need('TENCENTCLOUD_SECRET_ID'),
    secretKey: need('TENCENTCLOUD_SECRET_KEY'),
  },
  profile: {
    httpProfile: { endpoint: `teo.intl.tencentcloudapi.com:${emulator.port}`, protocol: 'http://', agent },
  },
});
const answer = await client.ModifyMultiPathGatewaySecretKey({
  ZoneId: zoneId,
  SecretKey: (await text(process.stdin)).trim(),
});
console.log(JSON.stringify(answer));
agent.destroy();
