/**
 * The one place where a failure's cause becomes what the user sees: an `ErrorCode` (hence an exit
 * code) and a hint.
 *
 * - A lower layer's reason error (crypto, protocol, transport, zk: `ReasonError` in src/errors.ts)
 *   maps by class name and reason. Errors that crossed the agent socket keep both, so they map
 *   the same.
 * - Storage causes (src/store/store_error.ts: full disk, read-only media, a corrupt file, …) arrive
 *   as a StoreError, or as the raw node:sqlite / node:fs error it recognises, from anywhere below;
 *   they win over whatever error was raised on top of them.
 */
import { type ErrorCode, isLegionError, isReasonError, LegionError } from "../errors.ts";
import { storeErrorOf, type StoreErrorReason } from "../store/store_error.ts";

type ReasonMap = ErrorCode | Readonly<Record<string, ErrorCode>>;

/** By error class name: one code for every reason, or one per reason (unlisted: `bad_data`). */
const BY_CLASS: Readonly<Record<string, ReasonMap>> = {
  CardError: { card_mismatch: "card_mismatch" },
  PhraseError: "bad_data",
  SessionError: { no_session: "no_input" },
  FrameError: "bad_data",
  HelloError: "bad_data",
  RelayWireError: "bad_data",
  RelayRefusedError: {
    oversized: "usage",
    unknown_mailbox: "no_input",
    mailbox_full: "retry_later",
    unavailable: "retry_later",
    unknown_root: "proof_rejected",
    stale_root: "proof_rejected",
    wrong_epoch: "proof_rejected",
    bad_slot: "proof_rejected",
    wrong_scope: "proof_rejected",
    wrong_message: "proof_rejected",
    nullifier_spent: "proof_rejected",
    invalid_proof: "proof_rejected",
    unauthorized: "proof_rejected",
  },
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
  MediaError: {
    unsafe_destination: "config",
    exists: "config",
  },
  /** Refused group data (epoch, credential, forged author, …) is bad_data; the rest is state. */
  GroupError: {
    not_owner: "config",
    conflict: "config",
    not_a_member: "config",
    unknown_group: "no_input",
    unknown_member: "no_input",
    not_contact: "no_contact",
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
  if (!isReasonError(err) || err.name === "StoreError") return undefined;
  const map = Object.hasOwn(BY_CLASS, err.name) ? BY_CLASS[err.name] : undefined;
  if (map === undefined) return undefined;
  if (typeof map === "string") return map;
  return Object.hasOwn(map, err.reason) ? map[err.reason] : "bad_data";
}

const STORAGE: Record<StoreErrorReason, { code: ErrorCode; what: string; hint: string }> = {
  disk_full: {
    code: "disk_full",
    what: "The disk is full",
    hint: "free some space and run the command again; nothing was half-written",
  },
  read_only: {
    code: "read_only",
    what: "The data dir is read-only",
    hint: "reading works here; to change anything, use a writable copy of the data dir",
  },
  corrupt: {
    code: "store_corrupt",
    what: "The store is corrupt or not a Legion store",
    hint: "restore legion.db from a backup, or recreate the identity with `legion init --restore`",
  },
  busy: {
    code: "store_busy",
    what: "The store is busy (another process holds it)",
    hint: "wait for the other legion process to finish, then retry",
  },
  permission: {
    code: "permission",
    what: "Permission denied",
    hint: "run legion as the user who owns the data dir, or pass another --home",
  },
  io: {
    code: "io_error",
    what: "A disk I/O error occurred",
    hint: "the disk may be full or failing: check free space (df) and the system log, then retry",
  },
  missing: {
    code: "no_input",
    what: "Not found",
    hint: "check the path (its directory must exist)",
  },
};

/** `err` as the LegionError the user sees, or `undefined` for an unexpected (internal) error. */
export function toLegionError(err: unknown): LegionError | undefined {
  const direct = isLegionError(err) ? err : fromReason(err);
  // An error raised over a failing store (libsignal's store callbacks surface as "Cannot start a
  // session", say) blames the store's cause, not the input.
  const storage = storeErrorOf(direct ? (err as Error).cause : err);
  if (direct && (!storage || storage.reason === "missing")) return direct;
  if (!storage) return undefined;
  const { code, what, hint } = STORAGE[storage.reason];
  return new LegionError(code, `${what}: ${storage.message}`, { hint, cause: err });
}

function fromReason(err: unknown): LegionError | undefined {
  const code = errorCodeOf(err);
  if (code === undefined || !isReasonError(err)) return undefined;
  return new LegionError(code, err.message, { hint: err.hint, cause: err });
}
