// `npm run emulator`: the TEO emulator on its own, for pointing a deployed or local function at.
import { DEMO_TENCENT, DEMO_ZONES, startDemoEmulator } from './demo-setup.ts';

const port = Number(process.env.PORT ?? 9000);
const emulator = await startDemoEmulator({ port }).catch((error) => {
  console.error(
    error.code === 'EADDRINUSE' ? `Port ${port} is in use: PORT=${port + 1} npm run emulator` : error.message,
  );
  process.exit(1);
});

console.log(`TEO emulator (ModifyMultiPathGatewaySecretKey, DescribeMultiPathGatewaySecretKey, version 2022-09-01)
  TEO_ENDPOINT=${emulator.url}
  TENCENTCLOUD_SECRET_ID=${DEMO_TENCENT.secretId}
  TENCENTCLOUD_SECRET_KEY=${DEMO_TENCENT.secretKey}
  zones: ${DEMO_ZONES.join(', ')}
Ctrl-C stops it.`);

const stop = async () => {
  await emulator.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
