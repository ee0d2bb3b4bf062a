/**
 * Why an MLS group operation failed, in the group layer's own terms; the CLI decides what each
 * reason means to the user (src/cli/error_map.ts).
 */
import { ReasonError } from "../errors.ts";

export type GroupErrorReason =
  /** A commit made in a former epoch (another commit won), or a message from an epoch not held. */
  | "wrong_epoch"
  /** This member was removed from the group: it can neither read nor send any more. */
  | "not_a_member"
  /** A leaf whose credential does not name its own signature key, or names a key not allowed. */
  | "bad_credential"
  /** Removing a key the group does not hold. */
  | "unknown_member"
  /** Bytes that are not a valid MLS message for this group, or fail authentication. */
  | "malformed";

export class GroupError extends ReasonError<GroupErrorReason> {
  override readonly name = "GroupError";
}
