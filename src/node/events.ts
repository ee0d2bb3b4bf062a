/**
 * Events a node reports: on `legion listen`'s stdout (`--json`: one line each; the human form is
 * the CLI's, src/cli/describe_event.ts) and to agent subscribers (`send --wait`,
 * `inbox --follow`). Ids are hex.
 */
export type NodeEvent =
  | { type: "ready"; onion: string }
  | MessageEvent
  | GroupEvent
  | { type: "sent"; id: string; to: string }
  | { type: "delivered"; id: string; to: string }
  | { type: "read"; id: string; by: string }
  | { type: "burned"; ids: string[]; by: string }
  | { type: "expired"; id: string; direction: "in" | "out" }
  | { type: "failed"; id: string; to: string; reason: string }
  | { type: "retry"; to: string; attempts: number; error: string }
  /** Deposited at the contact's relay mailbox; still queued until the contact acks it. */
  | { type: "relayed"; id: string; to: string; relay: string }
  /** No mailbox of the contact took it (the reasons, per relay); tried again later. */
  | { type: "relay_refused"; id: string; to: string; error: string }
  /** The node's own storage failed (full disk, read-only, corrupt); it keeps running. */
  | { type: "storage_error"; reason: StoreErrorReason; during: string; error: string }
  /** Background work failed for another reason; the node keeps running. */
  | { type: "node_error"; during: string; error: string }
  /** A contact's payload was acked but not kept: its type is not one this node stores. */
  | { type: "dropped"; id: string; from: string; reason: "unknown_type" }
  /**
   * A contact hit a bound: its delivery rate, its message or byte quota (the sender was told to
   * retry later), or too many bad deliveries (its stream was closed). At most once a minute each.
   */
  | { type: "limited"; from: string; reason: "rate" | "messages" | "bytes" | "bad_deliveries" }
  /** An incoming attachment's chunks all arrived: verified (`complete`) or not (`corrupt`). */
  | { type: "file"; id: string; from: string; state: "complete" | "corrupt" }
  /** An attachment's chunks moving (at most 4 a second per transfer): `chunks` of `total` done. */
  | {
    type: "progress";
    id: string;
    direction: "in" | "out";
    peer: string;
    chunks: number;
    total: number;
    /** Sending: chunks this node has put on the wire for it so far (re-sent ones included). */
    sent?: number;
  };

import type { StoreErrorReason } from "../store/store_error.ts";

/**
 * A received message. A burn-after-reading message's event carries no `text`: `listen`'s output
 * often ends up in logs, so that text shows only in `legion inbox` (which then deletes it).
 */
export type MessageEvent =
  & { type: "message"; id: string; from: string; createdAt: string }
  & (
    | {
      burn: false;
      text: string;
      attachment?: { kind: string; name: string; size: number; mime: string };
    }
    | { burn: true }
  );

export type EventSink = (event: NodeEvent) => void;

/**
 * Group events (docs/groups.md). `group` is the group's name (chosen by its owner: peer text),
 * `from`/`member` a contact name or a short onion; keys are hex. A burn-after-reading post's
 * event carries no `text`, as for 1:1 messages (`legion inbox --group NAME` shows it).
 */
export type GroupEvent =
  | (
    & {
      type: "group_message";
      group: string;
      groupId: string;
      id: string;
      from: string;
      fromKey: string;
      createdAt: string;
    }
    & ({ burn: false; text: string } | { burn: true })
  )
  | { type: "group_invite"; group: string; groupId: string; from: string }
  | { type: "group_member_added"; group: string; groupId: string; member: string }
  | { type: "group_member_removed"; group: string; groupId: string; member: string }
  | { type: "group_left"; group: string; groupId: string }
  | { type: "group_dissolved"; group: string; groupId: string };
