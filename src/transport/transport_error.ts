/**
 * Why the transport could not do what it was asked, in its own terms; the CLI decides what each
 * reason means to the user (src/cli/error_map.ts).
 */
import { ReasonError } from "../errors.ts";

export type TransportErrorReason =
  /** An address (onion, HOST:PORT, unix:PATH) that does not parse. */
  | "bad_address"
  /** The peer did not answer (offline, not listening, every SOCKS attempt failed). */
  | "peer_unreachable"
  /** The peer answered and dropped our hello. */
  | "peer_refused"
  /** Tor is not running, not reachable, or its control connection went away. */
  | "tor_unavailable"
  /** Tor did not bootstrap or publish in time. */
  | "tor_timeout"
  /** A control port that is not on loopback or a unix socket. */
  | "control_not_local"
  /** Something Legion does not support yet (a unix-socket SocksPort). */
  | "unsupported"
  /** Tor published another onion than the one our key derives (a bug or a hostile tor). */
  | "onion_mismatch";

export class TransportError extends ReasonError<TransportErrorReason> {
  override readonly name = "TransportError";
}
