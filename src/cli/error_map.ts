/**
 * The one place where a lower layer's reason error (crypto, protocol, transport, zk: see
 * `ReasonError` in src/errors.ts) becomes what the user sees: an `ErrorCode`, hence an exit code.
 * Errors that crossed the agent socket keep their class name and reason, so they map the same.
 */
import { type ErrorCode, isLegionError, isReasonError, LegionError } from "../errors.ts";

type ReasonMap = ErrorCode | Readonly<Record<string, ErrorCode>>;

/** By error class name: one code for every reason, or one per reason (unlisted: `bad_data`). */
const BY_CLASS: Readonly<Record<string, ReasonMap>> = {
  CardError: "bad_data",
  PhraseError: "bad_data",
  SessionError: { no_session: "no_input" },
  FrameError: "bad_data",
  HelloError: "bad_data",
  DeliveryError: "bad_data",
  PayloadError: "bad_data",
  ControlError: "bad_data",
  StreamError: "peer_unavailable",
  TorAuthError: "tor_unavailable",
  TransportError: {
    bad_address: "usage",
    peer_unreachable: "peer_unavailable",
    peer_refused: "peer_unavailable",
    tor_unavailable: "tor_unavailable",
    tor_timeout: "tor_unavailable",
    control_not_local: "tor_unavailable",
    unsupported: "config",
    onion_mismatch: "internal",
  },
  ZkError: {
    bad_window: "usage",
    not_in_group: "no_input",
    not_a_member: "proof_rejected",
    unreadable: "no_input",
    unwritable: "no_input",
    exists: "config",
    missing_artifact: "config",
  },
};

/** The code a reason error stands for; `undefined` for an error no layer declared. */
export function errorCodeOf(err: unknown): ErrorCode | undefined {
  if (isLegionError(err)) return err.code;
  if (!isReasonError(err)) return undefined;
  const map = Object.hasOwn(BY_CLASS, err.name) ? BY_CLASS[err.name] : undefined;
  if (map === undefined) return undefined;
  if (typeof map === "string") return map;
  return Object.hasOwn(map, err.reason) ? map[err.reason] : "bad_data";
}

/** `err` as the LegionError the user sees, or `undefined` when it is a bug (an internal error). */
export function toLegionError(err: unknown): LegionError | undefined {
  if (isLegionError(err)) return err;
  const code = errorCodeOf(err);
  if (code === undefined || !isReasonError(err)) return undefined;
  return new LegionError(code, err.message, { hint: err.hint, cause: err });
}
