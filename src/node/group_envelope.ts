/**
 * The seam between the transport and the group engine (src/group/): the engine hands the node
 * opaque envelopes addressed to a member's Ed25519 key, and the node hands it what members send,
 * with the sender its hello (or 1:1 session) proved. The engine's verdict becomes the signed ack's
 * status. Wire and queue: docs/groups.md, "Transport".
 */
import { AckStatus } from "../protocol/delivery.ts";

/** What the engine made of a received envelope; the sender's queue acts on it as on any ack. */
export type GroupEnvelopeVerdict = "stored" | "duplicate" | "rejected" | "later";

/** Who sent an envelope: the key its hello proved, and its contact id if it is a contact. */
export interface GroupEnvelopeSender {
  publicKey: Uint8Array;
  contactId?: number;
}

/**
 * Consumes one received envelope. It runs inside the store's writer (its own writes join the
 * delivery's transaction); a throw is the node's own failure: nothing is acked, and the sender
 * retries later. `later` rolls the delivery back (for a contact, its ratchet step too).
 */
export type GroupEnvelopeHandler = (
  from: GroupEnvelopeSender,
  bytes: Uint8Array,
) => Promise<GroupEnvelopeVerdict>;

/** The ack status for a verdict. */
export function ackStatusOf(verdict: GroupEnvelopeVerdict): AckStatus {
  switch (verdict) {
    case "stored":
      return AckStatus.stored;
    case "duplicate":
      return AckStatus.duplicate;
    case "rejected":
      return AckStatus.rejected;
    case "later":
      return AckStatus.later;
  }
}
