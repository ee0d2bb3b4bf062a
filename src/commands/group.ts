/**
 * `legion group …`: groups on MLS (docs/groups.md). The owner (creator) adds and removes members
 * and orders every change; members post, leave, and accept or decline invitations. Everything is
 * queued like `send`: a running node delivers at once, else the next `listen` or `queue run`.
 * Names from peers (invitations' group names, members' posts) are neutralised for the terminal.
 */
import type { Command } from "commander";
import { Option } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { countOption, durationOption } from "../cli/number_option.ts";
import { MAX_INLINE_BYTES } from "../protocol/group_attachment.ts";
import {
  attachmentOption,
  groupAttachmentParams,
  type GroupMediaOptions,
} from "./group_send_media.ts";
import { formatDuration } from "../cli/duration.ts";
import { addTorOptions, type TorOptions } from "../cli/tor_options.ts";
import { terminalLine as safe, withBody } from "../cli/terminal_text.ts";
import type { GroupPostRecord, GroupQueued, GroupSummary } from "../node/service_map.ts";
import { TTL_MAX_SECONDS, TTL_MIN_SECONDS } from "../protocol/payload.ts";
import { LegionError } from "../errors.ts";
import { DEFAULT_WAIT_MS, messageText } from "./send.ts";

export function registerGroup(program: Command, run: ActionRunner): void {
  const group = program.command("group")
    .description("groups: create, add, remove, leave, post (MLS; the owner orders changes)")
    .addHelpText(
      "after",
      "\nExamples:\n  legion group create friends bob carol\n" +
        "  legion group send friends --message-file note.txt\n" +
        "  legion inbox --group friends\n" +
        "\nExit codes: 2 bad arguments · 65 refused data · 66 no such group, member or contact\n" +
        "  · 78 not the owner, or a name already taken · 69/75 with --wait (not delivered)\n",
    );
  group.command("create")
    .description("create a group you own and invite contacts")
    .argument("<name>", "the group's name (1–64 printable characters)")
    .argument("[contacts...]", "contacts to invite")
    .action(
      run(async (inv: Invocation, name: string, members: string[]) =>
        summary(inv, "group_created", await inv.service("group.create", { name, members }))
      ),
    );
  group.command("add")
    .description("invite contacts to a group you own (added when their node answers)")
    .argument("<name>", "the group")
    .argument("<contacts...>", "contacts to invite")
    .action(
      run(async (inv: Invocation, name: string, members: string[]) =>
        summary(inv, "group_updated", await inv.service("group.add", { name, members }))
      ),
    );
  group.command("remove")
    .description("remove members from a group you own (they read nothing sent after)")
    .argument("<name>", "the group")
    .argument("<members...>", "contact names, or key/onion prefixes from `group members`")
    .action(
      run(async (inv: Invocation, name: string, members: string[]) =>
        summary(inv, "group_updated", await inv.service("group.remove", { name, members }))
      ),
    );
  group.command("leave")
    .description("leave a group (the owner cannot: it dissolves)")
    .argument("<name>", "the group")
    .action(run(async (inv: Invocation, name: string) => {
      const left = await inv.service("group.leave", { name });
      inv.out.result({ type: "group_left", ...left }, `left ${safe(left.name)}`);
    }));
  group.command("dissolve")
    .description("end a group you own: every member is removed")
    .argument("<name>", "the group")
    .action(run(async (inv: Invocation, name: string) => {
      const gone = await inv.service("group.dissolve", { name });
      inv.out.result({ type: "group_dissolved", ...gone }, `dissolved ${safe(gone.name)}`);
    }));
  group.command("list")
    .description("the groups you are in")
    .action(run(async (inv: Invocation) => {
      const groups = await inv.service("group.list", {});
      for (const g of groups) summary(inv, "group", g);
      if (groups.length === 0 && !inv.out.json) inv.out.note("no groups");
    }));
  group.command("members")
    .description("a group's members: contact name where known, fingerprint and onion")
    .argument("<name>", "the group")
    .action(run(async (inv: Invocation, name: string) => {
      for (const m of await inv.service("group.members", { name })) {
        const flags = [m.owner ? "owner" : "", m.self ? "you" : "", m.pending ? "invited" : ""]
          .filter(Boolean);
        inv.out.result(
          { type: "group_member", group: name, ...m },
          `${safe(m.label)}  ${m.fingerprint}  ${m.onion}` +
            (flags.length > 0 ? `  (${flags.join(", ")})` : ""),
        );
      }
    }));
  group.command("invites")
    .description("invitations waiting for `group accept` or `group decline`")
    .action(run(async (inv: Invocation) => {
      const invites = await inv.service("group.invites", {});
      for (const i of invites) {
        inv.out.result(
          { type: "group_invite", ...i },
          `${safe(i.name)}  from ${safe(i.owner)}  ${i.members} member(s)  ${i.receivedAt}`,
        );
      }
      if (invites.length === 0 && !inv.out.json) inv.out.note("no invitations");
    }));
  group.command("accept")
    .description("join a group you were invited to")
    .argument("<name>", "the group, as `group invites` shows it")
    .action(
      run(async (inv: Invocation, name: string) =>
        summary(inv, "group_joined", await inv.service("group.accept", { name }))
      ),
    );
  group.command("decline")
    .description("refuse an invitation (the owner is told)")
    .argument("<name>", "the group, as `group invites` shows it")
    .action(run(async (inv: Invocation, name: string) => {
      const declined = await inv.service("group.decline", { name });
      inv.out.result({ type: "group_declined", ...declined }, `declined ${safe(declined.name)}`);
    }));
  addTorOptions(
    group.command("send")
      .description("post a text message to every other member")
      .argument("<name>", "the group")
      .argument("[text]", "the message; - or nothing reads stdin (prefer stdin or --message-file)")
      .option("--message-file <file>", "read the message from FILE (- is stdin)")
      .addOption(
        new Option("--ttl <duration>", "time to live, e.g. 1h, 7d (1m … 30d, default 7d)")
          .argParser(durationOption({ option: "--ttl", minMs: 0 })),
      )
      .option("--burn", "burn after reading: deleted once read")
      .option("--image <path>", "post an image, re-encoded with every metadata block dropped")
      .addOption(
        new Option("--max-side <px>", "with --image: scale down so no side exceeds PX pixels")
          .argParser(countOption("--max-side")),
      )
      .addOption(
        new Option("--format <format>", "with --image: the output format (default jpeg)")
          .choices(["jpeg", "webp", "png"]),
      )
      .option("--file <path>", "post a file (- reads stdin) instead of text")
      .option("--voice <path>", "post a voice clip (Ogg/Opus or M4A, checked by its bytes)")
      .option("--name <name>", "the file name members see (default: PATH's base name)")
      .option("--mime <type>", "with --file: the MIME type (default application/octet-stream)")
      .addOption(
        new Option(
          "--wait [duration]",
          "wait until every member's node acked it (a bare number is seconds; default 60s)",
        ).argParser(durationOption({ option: "--wait", bare: "s" })),
      ),
  )
    .addHelpText(
      "after",
      "\nAttachments travel inline in the one post, so at most " +
        `${MAX_INLINE_BYTES} bytes (65 over it;\n` +
        "an image: shrink it with --max-side). Members save them with `legion save ID`.\n" +
        "\nWith --wait: exit 0 once every member's node acked the post, 75 when some copies are\n" +
        "still queued at the deadline (they stay queued), 69 when tor cannot start.\n",
    )
    .action(run(send));
}

async function send(
  inv: Invocation,
  name: string,
  textArg: string | undefined,
  options: TorOptions & GroupMediaOptions & {
    messageFile?: string;
    ttl?: number;
    burn?: boolean;
    wait?: number | true;
  },
): Promise<void> {
  let ttlSeconds: number | undefined;
  if (options.ttl !== undefined) {
    const seconds = Math.floor(options.ttl / 1000);
    ttlSeconds = Math.min(TTL_MAX_SECONDS, Math.max(TTL_MIN_SECONDS, seconds));
    if (ttlSeconds !== seconds) {
      inv.out.warn(
        `--ttl ${formatDuration(options.ttl)} is outside 1m … 30d; using ${
          formatDuration(ttlSeconds * 1000)
        }`,
      );
    }
  }
  const burn = options.burn ?? false;
  const kind = attachmentOption(
    options,
    textArg !== undefined || options.messageFile !== undefined,
  );
  const file = kind === undefined
    ? undefined
    : await groupAttachmentParams(inv, name, kind, options, { ttlSeconds, burn });
  const text = file ? "" : await messageText(inv, textArg, options.messageFile);
  const params = { name, text, ttlSeconds, burn };
  if (options.wait === undefined) {
    queued(
      inv,
      file ? await inv.service("group.send_file", file) : await inv.service("group.send", params),
    );
    return;
  }
  const waitMs = options.wait === true ? DEFAULT_WAIT_MS : options.wait;
  const { groupSendAndWait } = await import("../node/group_send_wait.ts");
  inv.stopOnSignals();
  const outcome = await groupSendAndWait(inv, {
    params,
    file,
    waitMs,
    tor: options,
    onQueued: (q) => queued(inv, q),
  });
  const { id, group } = outcome.queued;
  if (outcome.pending === 0) {
    inv.out.result({ type: "delivered", id, group }, `delivered ${id} to every member`);
    return;
  }
  throw new LegionError(
    "retry_later",
    `${outcome.pending} of ${outcome.queued.items.length} member(s) had not acked ${id} ` +
      `within ${formatDuration(waitMs)}; their copies stay queued`,
    { hint: "a running `legion listen` or `legion queue run` delivers them later" },
  );
}

function queued(inv: Invocation, q: GroupQueued): void {
  inv.out.result({ type: "queued", ...q }, q.id);
}

function summary(inv: Invocation, type: string, g: GroupSummary): void {
  const role = g.isOwner ? "owner" : `owner ${safe(g.owner)}`;
  inv.out.result(
    { type, ...g },
    `${safe(g.name)}  ${g.members} member(s)` + (g.pending > 0 ? ` + ${g.pending} invited` : "") +
      `  ${role}  epoch ${g.epoch}`,
  );
}

/** `inbox --group NAME`: a group's posts, oldest first. */
export async function groupInbox(
  inv: Invocation,
  name: string,
  options: { unreadOnly: boolean; markRead: boolean; includeSent: boolean },
): Promise<void> {
  const posts = await inv.service("group.inbox", { name, ...options });
  for (const post of posts) printPost(inv, post);
  if (posts.length === 0 && !inv.out.json) inv.out.note("no messages");
}

function printPost(inv: Invocation, post: GroupPostRecord): void {
  const who = post.direction === "in" ? safe(post.from) : "→ (you)";
  const header = `${post.createdAt} ${post.id.slice(0, 8)} [${safe(post.group)}] ${who}${
    post.burn ? " (burn after reading)" : ""
  }: `;
  const a = post.attachment;
  const text = a
    ? `[${a.kind}] ${post.id} ${JSON.stringify(a.name)} ${a.size} B ${a.state}` +
      (a.width ? ` ${a.width}x${a.height}` : "") +
      (a.durationMs ? ` ${(a.durationMs / 1000).toFixed(1)} s` : "")
    : post.text;
  inv.out.result({ type: "group_message", ...post }, withBody(header, text));
}
