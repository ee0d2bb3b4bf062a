/**
 * Why a delivery message (delivery.ts) was refused.
 * Each reason is its own stable value; all of them are `bad_data` (exit 65) to the CLI.
 */
import { ReasonError } from "../errors.ts";

export type DeliveryErrorReason =
  | "truncated"
  | "old_version"
  | "unknown_kind"
  | "empty_ciphertext"
  | "too_large"
  | "bad_ack_length"
  | "unknown_ack_status"
  | "bad_chunks";

export class DeliveryError extends ReasonError<DeliveryErrorReason> {
  override readonly name = "DeliveryError";
}

/** Type guard, optionally narrowed to one reason. */
export function isDeliveryError(err: unknown, reason?: DeliveryErrorReason): err is DeliveryError {
  return err instanceof DeliveryError && (reason === undefined || err.reason === reason);
}
