// Stands in for the Tencent SDK's optional dependencies this function never uses: `form-data` (multipart uploads)
// and `https-proxy-agent` (used only when no agent is given; the gateway always gives one). They were most of the
// bundle, mime-db alone 137 KB; bundles and tests alias both here, and any use fails loudly. Likewise `readline`,
// which only the SDK's server-sent-events answer model uses (TEO's actions answer JSON): nothing the function needs
// should load at a cold start.
export default class UnusedSdkFeature {
  constructor() {
    throw new Error('This build of the Tencent SDK supports neither multipart requests nor proxies.');
  }
}

/** The one `readline` export the SDK imports. */
export function createInterface(): never {
  throw new Error('This build of the Tencent SDK does not read server-sent events.');
}
