/**
 * Why a control body (control.ts: receipt or burn id list) was refused.
 * Each reason is its own stable value; all of them are `bad_data` (exit 65) to the CLI.
 */
import { ReasonError } from "../errors.ts";

export type ControlErrorReason =
  | "unknown_kind"
  | "empty"
  | "bad_length"
  | "too_many_ids";

export class ControlError extends ReasonError<ControlErrorReason> {
  override readonly name = "ControlError";
}

/** Type guard, optionally narrowed to one reason. */
export function isControlError(err: unknown, reason?: ControlErrorReason): err is ControlError {
  return err instanceof ControlError && (reason === undefined || err.reason === reason);
}
