/**
 * Events a node reports: on `legion listen`'s stdout (`--json`: one line each) and to agent
 * subscribers (`send --wait`, `inbox --follow`). Ids are hex.
 */
export type NodeEvent =
  | { type: "ready"; onion: string }
  | { type: "message"; id: string; from: string; text: string; createdAt: string; burn: boolean }
  | { type: "sent"; id: string; to: string }
  | { type: "delivered"; id: string; to: string }
  | { type: "read"; id: string; by: string }
  | { type: "burned"; ids: string[]; by: string }
  | { type: "expired"; id: string; direction: "in" | "out" }
  | { type: "failed"; id: string; to: string; reason: string }
  | { type: "retry"; to: string; attempts: number; error: string }
  /** The node's own storage failed (full disk, read-only, corrupt); it keeps running. */
  | { type: "storage_error"; reason: StoreErrorReason; during: string; error: string }
  /** Background work failed for another reason; the node keeps running. */
  | { type: "node_error"; during: string; error: string };

import type { StoreErrorReason } from "../store/store_error.ts";

export type EventSink = (event: NodeEvent) => void;

/** A one-line human form of an event for `legion listen` without `--json`. */
export function describeEvent(event: NodeEvent): string {
  switch (event.type) {
    case "ready":
      return `ready: listening on ${event.onion}`;
    case "message":
      return `${event.createdAt} ${event.from}${
        event.burn ? " (burn after reading)" : ""
      }: ${event.text}`;
    case "sent":
      return `sent ${event.id} to ${event.to}`;
    case "delivered":
      return `delivered ${event.id} to ${event.to}`;
    case "read":
      return `read ${event.id} by ${event.by}`;
    case "burned":
      return `burned ${event.ids.length} message(s) with ${event.by}`;
    case "expired":
      return `expired ${event.id}`;
    case "failed":
      return `failed ${event.id} to ${event.to}: ${event.reason}`;
    case "retry":
      return `will retry ${event.to} (attempt ${event.attempts}): ${event.error}`;
    case "storage_error":
      return `storage error (${event.reason}) while ${event.during}: ${event.error}`;
    case "node_error":
      return `error while ${event.during}: ${event.error}`;
  }
}
