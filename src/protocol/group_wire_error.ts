/**
 * Why group wire bytes (group_wire.ts) were refused. Each reason is its own stable value; all of
 * them are `bad_data` to the CLI.
 */
import { ReasonError } from "../errors.ts";

export type GroupWireErrorReason =
  | "truncated"
  | "too_large"
  | "unsupported_version"
  | "unknown_kind"
  | "bad_field"
  | "trailing_bytes";

export class GroupWireError extends ReasonError<GroupWireErrorReason> {
  override readonly name = "GroupWireError";
}

/** Type guard, optionally narrowed to one reason. */
export function isGroupWireError(
  err: unknown,
  reason?: GroupWireErrorReason,
): err is GroupWireError {
  return err instanceof GroupWireError && (reason === undefined || err.reason === reason);
}
