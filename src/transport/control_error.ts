import { ReasonError } from "../errors.ts";

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

/**
 * Why Legion would not authenticate to a control port (or gave up doing so). Distinct reasons, so
 * tests can tell a squatter's unsafe offer from a bad cookie file or a failed challenge.
 */
export type TorAuthErrorReason =
  /** The port offers only methods that authenticate nobody or leak the cookie (NULL, COOKIE). */
  | "method"
  /** The cookie file is missing, not a regular 32-byte file, or owned/writable by someone else. */
  | "cookie"
  /** The port failed the SAFECOOKIE challenge: it does not know the cookie. */
  | "challenge"
  /** The control port's listener belongs to a user who is neither root, us, nor tor. */
  | "owner"
  /** Tor answered AUTHENTICATE with 515: wrong password or cookie. */
  | "rejected";

export class TorAuthError extends ReasonError<TorAuthErrorReason> {
  override readonly name = "TorAuthError";
  constructor(
    reason: TorAuthErrorReason,
    message: string,
    hint?: string,
    options?: { cause?: unknown },
  ) {
    super(reason, message, { hint, cause: options?.cause });
  }
}
