/**
 * A 4xx/5xx reply from Tor's control port (control-spec.txt §4), e.g. 515 bad authentication,
 * 552 unrecognised entity, 512 syntax error. `status` keeps the numeric code for callers that care.
 */
export class TorControlError extends Error {
  override readonly name = "TorControlError";
  constructor(readonly status: number, readonly replyText: string, command: string) {
    super(`Tor refused ${command}: ${status} ${replyText}`);
  }

  /** 515: authentication failed (bad cookie or password). */
  get isAuthFailure(): boolean {
    return this.status === 515;
  }
}
