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
  | "malformed"
  /** A commit not made by the group's owner (the one committer), or an owner-only action. */
  | "not_owner"
  /** A commit whose sequence number was already applied (a replay or an older commit). */
  | "stale_commit"
  /** A Welcome (or a key package request) from someone who is not a contact. */
  | "not_contact"
  /** A post whose inner author is not the MLS member that signed it. */
  | "forged_author"
  /** A post or request from a key that is not (any more) a member of the group. */
  | "non_member"
  /** A message for a group this node does not hold. */
  | "unknown_group"
  /** A group or invitation name that is already taken, or an invitation not held. */
  | "conflict";

export class GroupError extends ReasonError<GroupErrorReason> {
  override readonly name = "GroupError";
}
