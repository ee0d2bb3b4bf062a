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
  /** A contact's payload was acked but not kept: its type is not one this node stores. */
  | { type: "dropped"; id: string; from: string; reason: "unknown_type" }
  /**
   * A contact hit a bound: its delivery rate, its message or byte quota (the sender was told to
   * retry later), or too many bad deliveries (its stream was closed). At most once a minute each.
   */
  | { type: "limited"; from: string; reason: "rate" | "messages" | "bytes" | "bad_deliveries" };

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
    case "dropped":
      return `dropped ${event.id} from ${event.from}: ${event.reason.replace("_", " ")}`;
    case "limited":
      return `limited ${event.from}: ${LIMIT_TEXT[event.reason]}`;
  }
}

const LIMIT_TEXT = {
  rate: "too many deliveries per minute; told to retry later",
  messages: "message quota reached; told to retry later",
  bytes: "storage quota reached; told to retry later",
  bad_deliveries: "too many bad deliveries; stream closed",
} as const;
