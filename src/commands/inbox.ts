/**
 * `legion inbox [NAME]`: received messages, oldest first, each with its short id (the first 8 hex
 * characters, enough for `burn` and `queue cancel`). Showing a burn-after-reading message deletes
 * it here and tells its sender to delete theirs. `--mark-read` marks messages read here;
 * `--receipts` also tells their senders. `--follow` keeps printing new messages as the running
 * node receives them. Peer text is neutralised for the terminal (cli/terminal_text.ts); `--json`
 * keeps it exact.
 */
import type { Command } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import type { MessageRecord } from "../node/service_map.ts";
import { terminalLine, withBody } from "../cli/terminal_text.ts";
import { LegionError } from "../errors.ts";

interface InboxOptions {
  unread?: boolean;
  follow?: boolean;
  markRead?: boolean;
  receipts?: boolean;
  all?: boolean;
  group?: string;
}

export function registerInbox(program: Command, run: ActionRunner): void {
  program.command("inbox")
    .description("show received messages (burn-after-reading ones are deleted once shown)")
    .argument("[name]", "only this contact's messages")
    .option("--unread", "only messages not marked read")
    .option("--mark-read", "mark them read, here only (no read receipt is sent)")
    .option(
      "--receipts",
      "mark them read and send read receipts (implies --mark-read; off by default: receipts " +
        "tell the sender when you read)",
    )
    .option("--all", "include the messages you sent, with their delivery state")
    .option("--group <group>", "a group's posts instead (see `legion group list`)")
    .option("--follow", "keep printing messages as they arrive (needs a running node)")
    .addHelpText(
      "after",
      "\nEach message shows its short id (8 hex characters), which `legion burn` takes.\n" +
        "Examples:\n  legion inbox bob --unread --mark-read\n" +
        "  legion inbox bob --json | jq -r .text\n",
    )
    .action(run(inbox));
}

async function inbox(
  inv: Invocation,
  name: string | undefined,
  options: InboxOptions,
): Promise<void> {
  if (options.group !== undefined) {
    if (name !== undefined || options.follow || options.receipts) {
      throw new LegionError(
        "usage",
        "--group cannot be combined with a contact, --follow or --receipts",
      );
    }
    const { groupInbox } = await import("./group.ts");
    return await groupInbox(inv, options.group, {
      unreadOnly: options.unread ?? false,
      markRead: options.markRead ?? false,
      includeSent: options.all ?? false,
    });
  }
  const params = {
    name,
    unreadOnly: options.unread ?? false,
    markRead: options.markRead ?? false,
    receipts: options.receipts ?? false,
    includeSent: options.all ?? false,
  };
  if (!options.follow) {
    const messages = await inv.service("inbox", params);
    for (const message of messages) print(inv, message);
    if (messages.length === 0 && !inv.out.json) inv.out.note("no messages");
    return;
  }
  const { agentFor } = await import("../node/service_call.ts");
  const agent = await agentFor(inv);
  if (!agent) {
    throw new LegionError("config", "--follow needs a running node", {
      hint: "start `legion listen` first",
    });
  }
  // Subscribe first so nothing arriving between the listing and the subscription is missed.
  const arrived: string[] = [];
  let wake = () => {};
  agent.onEvent((event) => {
    if (event.type === "message" && (name === undefined || event.from === name)) {
      arrived.push(String(event.id));
      wake();
    }
  });
  await agent.subscribe();
  const shown = new Set<string>();
  const show = (messages: MessageRecord[]) => {
    for (const message of messages) {
      if (shown.has(message.id)) continue;
      shown.add(message.id);
      print(inv, message);
    }
  };
  show(await agent.call("inbox", params));
  // The node stopped, or the reader of our stdout went away (`inbox --follow | head -1`).
  const closed = Promise.race([
    new Promise<void>((resolve) => agent.onClose(resolve)),
    ...(inv.ctx.stdoutClosed ? [inv.ctx.stdoutClosed] : []),
  ]);
  for (;;) {
    const woke = new Promise<void>((resolve) => wake = resolve);
    if (
      arrived.length === 0 && await Promise.race([woke.then(() => false), closed.then(() => true)])
    ) {
      return;
    }
    arrived.length = 0;
    show(await agent.call("inbox", { ...params, unreadOnly: true }));
  }
}

function print(inv: Invocation, message: MessageRecord): void {
  const who = terminalLine(message.contact);
  const arrow = message.direction === "in" ? who : `→ ${who} [${message.state}]`;
  const header = `${message.createdAt} ${message.id.slice(0, 8)} ${arrow}${
    message.burn ? " (burn after reading)" : ""
  }: `;
  inv.out.result({ type: "message", ...message }, withBody(header, bodyText(message)));
}

/** Text as it is; an image as `[image 800x600, 95 KiB]` (saved with `legion save ID`). */
function bodyText(message: MessageRecord): string {
  if (message.kind !== "image") return message.text;
  const image = message.image;
  return image
    ? `[image ${image.width}x${image.height}, ${Math.ceil(image.size / 1024)} KiB]`
    : "[image]";
}
