/**
 * Events a node reports: on `legion listen`'s stdout (`--json`: one line each; the human form is
 * the CLI's, src/cli/describe_event.ts) and to agent subscribers (`send --wait`,
 * `inbox --follow`). Ids are hex.
 */
export type NodeEvent =
  | { type: "ready"; onion: string }
  | MessageEvent
  | { type: "sent"; id: string; to: string }
  | { type: "delivered"; id: string; to: string }
  | { type: "read"; id: string; by: string }
  | { type: "burned"; ids: string[]; by: string }
  | { type: "expired"; id: string; direction: "in" | "out" }
  | { type: "failed"; id: string; to: string; reason: string }
  | { type: "retry"; to: string; attempts: number; error: string };

/**
 * A received message. A burn-after-reading message's event carries no `text`: `listen`'s output
 * often ends up in logs, so that text shows only in `legion inbox` (which then deletes it).
 */
export type MessageEvent =
  & { type: "message"; id: string; from: string; createdAt: string }
  & ({ burn: false; text: string } | { burn: true });

export type EventSink = (event: NodeEvent) => void;
