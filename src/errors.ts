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
  [ExitCode.dataError, "bad or unauthenticated data (card, message, proof format)"],
  [ExitCode.noInput, "missing input (no identity, file or contact)"],
  [ExitCode.unavailable, "Tor or the peer is unavailable"],
  [ExitCode.tempFail, "temporary failure, retry later (e.g. items still queued)"],
  [ExitCode.rejected, "passphrase or proof rejected"],
  [ExitCode.config, "configuration problem (e.g. identity already exists)"],
  [ExitCode.interrupted, "interrupted (Ctrl-C at a prompt)"],
];

/** Stable machine-readable error codes, grouped by exit code. */
export type ErrorCode =
  | "usage"
  | "bad_data"
  | "no_identity"
  | "no_input"
  | "tor_unavailable"
  | "peer_unavailable"
  | "retry_later"
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
  no_identity: ExitCode.noInput,
  no_input: ExitCode.noInput,
  tor_unavailable: ExitCode.unavailable,
  peer_unavailable: ExitCode.unavailable,
  retry_later: ExitCode.tempFail,
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

/** Type guard, optionally narrowed to one error code: `isLegionError(e, "bad_data")`. */
export function isLegionError(err: unknown, code?: ErrorCode): err is LegionError {
  return err instanceof LegionError && (code === undefined || err.code === code);
}
