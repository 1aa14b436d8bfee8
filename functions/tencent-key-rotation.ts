// Lambda entry point that Secrets Manager's rotation schedule invokes for a function's secret, one step at a time:
// the Tencent key pair in it is replaced by a new one of the same CAM user (docs/contract.md §3). Configured by the
// environment alone, read once, at cold start.
import {
  createTencentKeyRotationHandler,
  loadKeyRotationConfig,
} from '#lib/handlers/tencent-key-rotation/handler.ts';

export const handler = createTencentKeyRotationHandler(loadKeyRotationConfig(process.env));
