// Stands in for the Tencent SDK's optional dependencies this function never uses: `form-data` (multipart uploads)
// and `https-proxy-agent` (used only when no agent is given; the gateway always gives one). They were most of the
// bundle, mime-db alone 137 KB; bundles and tests alias both here, and any use fails loudly.
export default class UnusedSdkFeature {
  constructor() {
    throw new Error('This build of the Tencent SDK supports neither multipart requests nor proxies.');
  }
}
