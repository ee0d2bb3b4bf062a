/**
 * Why a 1:1 session operation failed, as stable reasons. All exit 65 (bad or unauthenticated
 * data) except `no_session`, which is missing state (66).
 */
import { type LegionErrorOptions, ReasonError } from "../errors.ts";

export type SessionRefusal =
  /** A replay, or a message so old its key is gone (libsignal cannot tell them apart). */
  | "duplicate"
  /** The peer's libsignal identity key differs from the one in its card. */
  | "untrusted_identity"
  /** Authentication failed or the bytes are not a Signal message. */
  | "invalid_message"
  /** No session with this peer, and the message cannot start one. */
  | "no_session";

export class SessionError extends ReasonError<SessionRefusal> {
  override readonly name = "SessionError";

  constructor(reason: SessionRefusal, message: string, options: LegionErrorOptions = {}) {
    super(reason, message, options);
  }
}

export function isSessionError(err: unknown, reason?: SessionRefusal): err is SessionError {
  return err instanceof SessionError && (reason === undefined || err.reason === reason);
}
