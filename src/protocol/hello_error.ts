/**
 * Why bytes are not a well-formed hello (hello.ts). Shape only: a well-formed hello can still be refused by `verifyHello()`.
 * Each reason is its own stable value; all of them are `bad_data` (exit 65) to the CLI.
 */
import { ReasonError } from "../errors.ts";

export type HelloErrorReason =
  | "bad_length"
  | "bad_magic"
  | "bad_timestamp";

export class HelloError extends ReasonError<HelloErrorReason> {
  override readonly name = "HelloError";
}

/** Type guard, optionally narrowed to one reason. */
export function isHelloError(err: unknown, reason?: HelloErrorReason): err is HelloError {
  return err instanceof HelloError && (reason === undefined || err.reason === reason);
}
