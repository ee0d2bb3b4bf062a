/**
 * The one error type users see. Each failure class has a stable `code` (for `--json` consumers and
 * tests) and an exit code from the table below, which is part of Legion's API.
 *
 * Programming mistakes stay plain `TypeError`/`RangeError`: they are bugs, never control flow.
 */

/** Exit codes (sysexits-style). Documented in `legion --help` and README.md. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  dataError: 65,
  noInput: 66,
  unavailable: 69,
  tempFail: 75,
  rejected: 77,
  config: 78,
  interrupted: 130,
} as const;
export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/** Human-readable meaning of each exit code, for `--help` and the README. */
export const EXIT_CODE_TABLE: ReadonlyArray<readonly [ExitCode, string]> = [
  [ExitCode.ok, "success"],
  [ExitCode.failure, "unexpected failure"],
  [ExitCode.usage, "usage error (bad option or argument)"],
  [ExitCode.dataError, "bad or unauthenticated data (card, message, proof format, corrupt store)"],
  [ExitCode.noInput, "missing input (no identity, file or contact)"],
  [ExitCode.unavailable, "Tor or the peer is unavailable"],
  [
    ExitCode.tempFail,
    "temporary failure, retry later (items still queued, disk full or I/O error, store busy)",
  ],
  [ExitCode.rejected, "passphrase or proof rejected, or no permission (read-only, another user's)"],
  [ExitCode.config, "configuration problem (e.g. identity already exists)"],
  [ExitCode.interrupted, "interrupted (Ctrl-C at a prompt)"],
];

/** Stable machine-readable error codes, grouped by exit code. */
export type ErrorCode =
  | "usage"
  | "bad_data"
  | "card_mismatch"
  | "no_identity"
  | "no_input"
  | "tor_unavailable"
  | "peer_unavailable"
  | "retry_later"
  | "disk_full"
  | "io_error"
  | "store_busy"
  | "store_corrupt"
  | "read_only"
  | "permission"
  | "passphrase_rejected"
  | "proof_rejected"
  | "identity_exists"
  | "contact_exists"
  | "no_contact"
  | "config"
  | "internal";

const EXIT_BY_CODE: Record<ErrorCode, ExitCode> = {
  usage: ExitCode.usage,
  bad_data: ExitCode.dataError,
  card_mismatch: ExitCode.dataError,
  no_identity: ExitCode.noInput,
  no_input: ExitCode.noInput,
  tor_unavailable: ExitCode.unavailable,
  peer_unavailable: ExitCode.unavailable,
  retry_later: ExitCode.tempFail,
  disk_full: ExitCode.tempFail,
  io_error: ExitCode.tempFail,
  store_busy: ExitCode.tempFail,
  store_corrupt: ExitCode.dataError,
  read_only: ExitCode.rejected,
  permission: ExitCode.rejected,
  passphrase_rejected: ExitCode.rejected,
  proof_rejected: ExitCode.rejected,
  identity_exists: ExitCode.config,
  contact_exists: ExitCode.config,
  no_contact: ExitCode.noInput,
  config: ExitCode.config,
  internal: ExitCode.failure,
};

export interface LegionErrorOptions {
  /** A suggestion printed as `legion: hint: …`. */
  hint?: string;
  cause?: unknown;
}

/** An expected failure caused by input, environment or peers; printed without a stack trace. */
export class LegionError extends Error {
  override readonly name = "LegionError";
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, options: LegionErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.exitCode = EXIT_BY_CODE[code];
    this.hint = options.hint;
  }
}

/**
 * A failure a lower layer (crypto, protocol, transport, zk) reports in its own terms: a class name
 * and a stable reason. Only the CLI decides what it means to the user — which `ErrorCode` and exit
 * code (src/cli/error_map.ts). Subclasses set `name`; the agent socket carries name and reason.
 */
export class ReasonError<R extends string = string> extends Error {
  readonly reason: R;
  readonly hint?: string;

  constructor(reason: R, message: string, options: LegionErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.reason = reason;
    this.hint = options.hint;
  }
}

/** Type guard for any layer's reason error. */
export function isReasonError(err: unknown): err is ReasonError {
  return err instanceof ReasonError;
}

/** Type guard, optionally narrowed to one error code: `isLegionError(e, "bad_data")`. */
export function isLegionError(err: unknown, code?: ErrorCode): err is LegionError {
  return err instanceof LegionError && (code === undefined || err.code === code);
}
