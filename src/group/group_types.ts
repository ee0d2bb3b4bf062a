/**
 * The typed seam between the group engine (group_engine.ts) and whoever carries its bytes: what
 * it asks to send, what it reports, and what it says about a received message.
 */
import type { GroupError } from "./group_error.ts";
import type { PayloadType } from "../protocol/payload.ts";

export type OutgoingKind =
  | "commit"
  | "welcome"
  | "post"
  | "proposal"
  | "key_package_request"
  | "key_package"
  | "commit_request";

/** Bytes (group_wire.ts) for one peer; the transport delivers each independently, with retries. */
export interface Outgoing {
  /** The recipient's Ed25519 identity key. */
  to: Uint8Array;
  kind: OutgoingKind;
  /** Hex group id, for queueing and the hello admission. */
  groupId: string;
  bytes: Uint8Array;
}

export interface GroupPost {
  groupId: string;
  id: Uint8Array;
  author: Uint8Array;
  direction: "in" | "out";
  type: PayloadType;
  body: Uint8Array;
  burn: boolean;
  createdAt: number;
  expiresAt: number;
  readAt: number | null;
}

export type GroupEvent =
  | { type: "group_message"; groupId: string; post: GroupPost }
  | { type: "group_invite"; groupId: string; name: string; owner: Uint8Array }
  | { type: "group_member_added"; groupId: string; member: Uint8Array }
  | { type: "group_member_removed"; groupId: string; member: Uint8Array }
  | { type: "group_left"; groupId: string }
  | { type: "group_dissolved"; groupId: string };

/**
 * stored: acted on (ack it) · duplicate: already had it (ack it) · rejected: refused, `error` says
 * why (ack it; nothing changed) · later: held until a missing commit arrives (ack it: it is kept).
 */
export type ReceiveStatus = "stored" | "duplicate" | "rejected" | "later";

export interface ReceiveResult {
  status: ReceiveStatus;
  events: GroupEvent[];
  outgoing: Outgoing[];
  error?: GroupError;
}

/** What an operation leads to: things to send and things to report. */
export interface Effects {
  events: GroupEvent[];
  outgoing: Outgoing[];
}

export interface GroupInfo {
  groupId: string;
  name: string;
  owner: Uint8Array;
  isOwner: boolean;
  seq: number;
  epoch: bigint;
  members: Uint8Array[];
  /** Owner only: keys asked for a key package, not yet added. */
  pendingAdds: Uint8Array[];
}

export interface InviteInfo {
  groupId: string;
  name: string;
  owner: Uint8Array;
  members: Uint8Array[];
  receivedAt: number;
}

/** A peer the hello admits for group traffic: a member of groups this node is in. */
export interface RosterPeer {
  key: Uint8Array;
  groupIds: string[];
}

export interface PostInput {
  body: Uint8Array;
  type?: PayloadType;
  ttlSeconds?: number;
  burn?: boolean;
}
