/**
 * Why a framed stream stopped. Distinct reasons, so callers (and tests) can tell a peer that hung
 * up from one that broke the protocol or went silent.
 */
import { ReasonError } from "../errors.ts";

export type StreamErrorReason =
  /** The peer ended the stream cleanly. */
  | "closed"
  /** The connection failed (reset, Tor circuit gone). */
  | "reset"
  /** `receive()` waited longer than its read timeout. */
  | "timeout"
  /** Nothing moved in either direction for the idle timeout; the stream was torn down. */
  | "idle"
  /** The peer sent bytes that are not valid frames (oversize, bad padding, cut-off frame). */
  | "protocol"
  /** This side closed the stream. */
  | "local";

export class StreamError extends ReasonError<StreamErrorReason> {
  override readonly name = "StreamError";
}
