// How a call to TEO can fail, told apart so the edge can answer each as SPEC §2 asks.

/** TEO answered, with an error: its own `Code` and `RequestId` are kept. */
export class TeoRefused extends Error {
  override name = 'TeoRefused';
  readonly code: string;
  readonly requestId: string | undefined;
  constructor(code: string, message: string, requestId: string | undefined) {
    super(message);
    this.code = code;
    this.requestId = requestId;
  }
}

export type UnreachableReason = 'timeout' | 'transport' | 'http-status' | 'malformed-answer';

/** No usable answer from TEO: whether the key changed is unknown. */
export class TeoUnreachable extends Error {
  override name = 'TeoUnreachable';
  readonly reason: UnreachableReason;
  constructor(reason: UnreachableReason, message: string) {
    super(message);
    this.reason = reason;
  }
}
