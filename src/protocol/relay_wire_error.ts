/**
 * Why bytes are not a well-formed relay frame (relay_wire.ts). Shape only: a well-formed deposit can
 * still be refused by the relay. All reasons are `bad_data` (exit 65) to the CLI.
 */
import { ReasonError } from "../errors.ts";

export type RelayWireErrorReason =
  | "bad_version"
  | "bad_kind"
  | "bad_length"
  | "bad_field"
  | "bad_status";

export class RelayWireError extends ReasonError<RelayWireErrorReason> {
  override readonly name = "RelayWireError";
}

/** Type guard, optionally narrowed to one reason. */
export function isRelayWireError(
  err: unknown,
  reason?: RelayWireErrorReason,
): err is RelayWireError {
  return err instanceof RelayWireError && (reason === undefined || err.reason === reason);
}
