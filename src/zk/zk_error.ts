/**
 * Why a zero-knowledge operation failed, in the zk layer's own terms; the CLI decides what each
 * reason means to the user (src/cli/error_map.ts).
 */
import { ReasonError } from "../errors.ts";

export type ZkErrorReason =
  /** A proof that does not parse or is not a valid Groth16 proof shape. */
  | "bad_proof"
  /** A proof made for a tree depth this verifier has no key for. */
  | "unsupported_depth"
  /** A group file that does not parse. */
  | "bad_group_file"
  /** A commitment that does not parse or is not a field element above 0. */
  | "bad_commitment"
  | "duplicate_member"
  | "group_full"
  /** A root-window setting out of range. */
  | "bad_window"
  /** Removing a commitment the group does not hold. */
  | "not_in_group"
  /** Proving with an identity the group does not hold. */
  | "not_a_member"
  /** A group file that cannot be read or written. */
  | "unreadable"
  | "unwritable"
  /** Creating a group file where one exists. */
  | "exists"
  /** The ceremony artifacts are missing. */
  | "missing_artifact";

export class ZkError extends ReasonError<ZkErrorReason> {
  override readonly name = "ZkError";
}
