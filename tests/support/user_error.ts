/**
 * What the user would see for an error: lower layers raise their own reason errors and only the
 * CLI maps them to a code and exit status (src/cli/error_map.ts), so tests ask the same mapping.
 */
import { toLegionError } from "../../src/cli/error_map.ts";
import type { ErrorCode, LegionError } from "../../src/errors.ts";

/** The mapped LegionError, narrowed to `code` when given; `undefined` for a bug or another code. */
export function userError(err: unknown, code?: ErrorCode): LegionError | undefined {
  const mapped = toLegionError(err);
  return mapped && (code === undefined || mapped.code === code) ? mapped : undefined;
}

/** Whether the user would see `err` as this code (or as any expected error). */
export function isUserError(
  err: unknown,
  code?: ErrorCode,
): err is Error & { hint?: string } {
  return userError(err, code) !== undefined;
}
