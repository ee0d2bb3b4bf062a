/**
 * The human form of a node event (node/events.ts) for `legion listen` and `legion queue run`
 * without `--json`: one line, or a message's header and body lines. Everything a peer chose
 * (message text, names, error texts quoting them) is neutralised by terminal_text.ts.
 */
import type { NodeEvent } from "../node/events.ts";
import { terminalLine as safe, withBody } from "./terminal_text.ts";

/** The lines to print for `event`. */
export function describeEvent(event: NodeEvent): string[] {
  switch (event.type) {
    case "ready":
      return [`ready: listening on ${event.onion}`];
    case "message": {
      const header = `${event.createdAt} ${event.id.slice(0, 8)} ${safe(event.from)}`;
      if (event.burn) {
        return [`${header} (burn after reading): not shown here; read it with \`legion inbox\``];
      }
      if (event.attachment) {
        const a = event.attachment;
        return [
          `${header}: [${a.kind}] ${safe(a.name)} (${a.size} bytes, ${safe(a.mime)}) arriving`,
        ];
      }
      return withBody(`${header}: `, event.text);
    }
    case "group_message": {
      const header = `${event.createdAt} ${event.id.slice(0, 8)} [${safe(event.group)}] ${
        safe(event.from)
      }`;
      return event.burn
        ? [
          `${header} (burn after reading): not shown here; read it with ` +
          "`legion inbox --group NAME`",
        ]
        : withBody(`${header}: `, event.text);
    }
    case "group_invite":
      return [
        `invited to group ${safe(event.group)} by ${safe(event.from)}: ` +
        "`legion group accept` or `legion group decline` it",
      ];
    case "group_member_added":
      return [`${safe(event.member)} joined group ${safe(event.group)}`];
    case "group_member_removed":
      return [`${safe(event.member)} left group ${safe(event.group)}`];
    case "group_left":
      return [`no longer in group ${safe(event.group)}`];
    case "group_dissolved":
      return [`group ${safe(event.group)} was dissolved`];
    case "sent":
      return [`sent ${event.id} to ${safe(event.to)}`];
    case "delivered":
      return [`delivered ${event.id} to ${safe(event.to)}`];
    case "read":
      return [`read ${event.id} by ${safe(event.by)}`];
    case "burned":
      return [`burned ${event.ids.length} message(s) with ${safe(event.by)}`];
    case "expired":
      return [`expired ${event.id}`];
    case "failed":
      return [`failed ${event.id} to ${safe(event.to)}: ${safe(event.reason)}`];
    case "relayed":
      return [`deposited ${event.id} for ${safe(event.to)} at relay ${safe(event.relay)}`];
    case "relay_refused":
      return [`could not deposit ${event.id} for ${safe(event.to)}: ${safe(event.error)}`];
    case "retry":
      return [`will retry ${safe(event.to)} (attempt ${event.attempts}): ${safe(event.error)}`];
    case "storage_error":
      return [`storage error (${event.reason}) while ${event.during}: ${safe(event.error)}`];
    case "node_error":
      return [`error while ${event.during}: ${safe(event.error)}`];
    case "dropped":
      return [`dropped ${event.id} from ${safe(event.from)}: ${event.reason.replace("_", " ")}`];
    case "limited":
      return [`limited ${safe(event.from)}: ${LIMIT_TEXT[event.reason]}`];
    case "file":
      return [
        event.state === "complete"
          ? `received file ${event.id.slice(0, 8)} from ${safe(event.from)}: complete and verified`
          : `received file ${event.id.slice(0, 8)} from ${safe(event.from)}: corrupt, dropped`,
      ];
    case "progress":
      return [
        `${event.direction === "in" ? "receiving" : "sending"} ${event.id.slice(0, 8)} ` +
        `${event.direction === "in" ? "from" : "to"} ${safe(event.peer)}: ` +
        `${Math.floor((event.chunks * 100) / Math.max(1, event.total))}%`,
      ];
  }
}

const LIMIT_TEXT = {
  rate: "too many deliveries per minute; told to retry later",
  messages: "message quota reached; told to retry later",
  bytes: "storage quota reached; told to retry later",
  bad_deliveries: "too many bad deliveries; stream closed",
} as const;
