/**
 * Why a decrypted payload (payload.ts) was refused.
 * Each reason is its own stable value; all of them are `bad_data` (exit 65) to the CLI.
 */
import { ReasonError } from "../errors.ts";

export type PayloadErrorReason =
  | "truncated"
  | "unsupported_version"
  | "unknown_type"
  | "unknown_flags"
  | "bad_created_at"
  | "too_large"
  | "bad_body";

export class PayloadError extends ReasonError<PayloadErrorReason> {
  override readonly name = "PayloadError";
}

/** Type guard, optionally narrowed to one reason. */
export function isPayloadError(err: unknown, reason?: PayloadErrorReason): err is PayloadError {
  return err instanceof PayloadError && (reason === undefined || err.reason === reason);
}
