/**
 * `legion send NAME [TEXT|-] [--message-file FILE]` (or `--file PATH|-`, `--voice PATH`,
 * `--image PATH`: one attachment path, cli/send_file.ts; an image is sanitised first,
 * send_image.ts): encrypts now and queues; the running node
 * (or a later `legion queue run`) delivers. With `--wait` it waits for the peer's durable ack:
 * exit 0 when delivered, 75 when the time runs out (the message stays queued).
 */
import type { Command } from "commander";
import { Option } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { formatDuration } from "../cli/duration.ts";
import { countOption, durationOption } from "../cli/number_option.ts";
import { readInputText } from "../cli/read_input.ts";
import { addTorOptions, type TorOptions } from "../cli/tor_options.ts";
import { MAX_TEXT_BYTES, messageTooLarge } from "../node/messenger.ts";
import type { Queued } from "../node/service_map.ts";
import { TTL_MAX_SECONDS, TTL_MIN_SECONDS } from "../protocol/payload.ts";
import { LegionError } from "../errors.ts";
import { DEFAULT_MAX_FILE_BYTES, parseSize, prepareFileSend } from "../cli/send_file.ts";
import { imageName, sanitizeForSend } from "./send_image.ts";

interface SendOptions extends TorOptions {
  /** An attachment to send instead of text (`-`: stdin, byte for byte). */
  file?: string;
  voice?: string;
  name?: string;
  mime?: string;
  maxSize?: number;
  quiet?: boolean;
  /** A file holding the message (`-`: stdin). */
  messageFile?: string;
  /** Milliseconds. */
  ttl?: number;
  burn?: boolean;
  viaRelay?: boolean;
  /** Milliseconds, or `true` for the default. */
  wait?: number | true;
  image?: string;
  maxSide?: number;
  format?: "jpeg" | "webp" | "png";
  dryRun?: boolean;
  out?: string;
  force?: boolean;
}

export const DEFAULT_WAIT_MS = 60_000;

export function registerSend(program: Command, run: ActionRunner): void {
  addTorOptions(
    program.command("send")
      .description("encrypt a text message for a contact and queue it for delivery")
      .argument("<name>", "the contact")
      .argument("[text]", "the message; - or nothing reads stdin (prefer stdin or --message-file)")
      .option("--message-file <file>", "read the message from FILE (- is stdin)")
      .addOption(
        new Option("--ttl <duration>", "time to live, e.g. 1h, 7d (1m … 30d, default 7d)")
          .argParser(durationOption({ option: "--ttl", minMs: 0 })),
      )
      .option("--burn", "burn after reading: deleted on both devices once read")
      .option(
        "--via-relay",
        "also deposit it at the contact's relay mailbox at once (needs a running node or queue run)",
      )
      .option("--image <path>", "send an image, re-encoded with every metadata block dropped")
      .addOption(
        new Option("--max-side <px>", "with --image: scale down so no side exceeds PX pixels")
          .argParser(countOption("--max-side")),
      )
      .addOption(
        new Option("--format <format>", "with --image: the output format (default jpeg)")
          .choices(["jpeg", "webp", "png"]),
      )
      .option("--dry-run", "with --image: write the sanitised copy and show what was stripped")
      .option(
        "--out <path>",
        "with --dry-run: where to write it (default NAME.clean.EXT beside it)",
      )
      .option("--force", "with --out: replace an existing file")
      .option("--file <path>", "send a file (- reads stdin, byte for byte) instead of text")
      .option("--voice <path>", "send a voice clip (Ogg/Opus or M4A, checked by its bytes)")
      .option("--name <name>", "the file name the contact sees (default: PATH's base name)")
      .option("--mime <type>", "with --file: the MIME type (default application/octet-stream)")
      .addOption(
        new Option("--max-size <size>", "refuse files larger than this, e.g. 20M (default 100M)")
          .argParser(parseSize),
      )
      .option("--quiet", "no progress on stderr")
      .addOption(
        new Option(
          "--wait [duration]",
          "wait for the delivery ack, e.g. 90s, 2m (a bare number is seconds; default 60s)",
        ).argParser(durationOption({ option: "--wait", bare: "s" })),
      ),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  legion send bob --message-file note.txt\n" +
        "  legion send bob --burn --ttl 1h --wait 2m < note.txt\n" +
        "  legion send bob -        # type the message, end it with Ctrl-D\n" +
        "  legion send bob --image photo.jpg --max-side 2048 --dry-run\n" +
        "  legion send bob --file report.pdf --wait 10m\n" +
        "  tar c dir | legion send bob --file - --name dir.tar\n" +
        "\nPrefer stdin or --message-file to a text argument: an argument is visible to\n" +
        "other local users in the process list and stays in shell history.\n" +
        `\nA message is UTF-8 text of at most ${MAX_TEXT_BYTES} bytes; larger or binary content goes\n` +
        "with --file (sealed in 64 KiB chunks, resumable; 65 over --max-size).\n" +
        "With --wait: exit 0 once delivered, 69 when the contact or tor cannot be reached by the\n" +
        "deadline, 75 when it is merely still queued (it stays queued either way).\n",
    )
    .action(run(send));
}

async function send(
  inv: Invocation,
  name: string,
  textArg: string | undefined,
  options: SendOptions,
): Promise<void> {
  const ttlSeconds = options.ttl === undefined ? undefined : ttlWithinPolicy(inv, options.ttl);
  const attachments = (["file", "voice", "image"] as const).filter((k) => options[k] !== undefined);
  if (attachments.length > 1) {
    throw new LegionError(
      "usage",
      `--${attachments[0]} and --${attachments[1]} cannot be used together`,
    );
  }
  const attachment = attachments[0];
  if (attachment !== undefined && (textArg !== undefined || options.messageFile !== undefined)) {
    throw new LegionError("usage", `--${attachment} and a text message cannot be sent together`, {
      hint: "send them one after the other",
    });
  }
  if (attachment !== undefined && options.viaRelay) {
    throw new LegionError("usage", `--via-relay carries text only, not --${attachment}`);
  }
  if (attachment !== "image") {
    const unused = ["maxSide", "format", "dryRun", "out"] as const;
    const stray = unused.find((key) => options[key] !== undefined);
    if (stray) {
      throw new LegionError(
        "usage",
        `--${stray.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --image`,
      );
    }
  }
  if (attachment !== "file" && options.mime !== undefined) {
    throw new LegionError(
      "usage",
      "--mime needs --file (images and voice clips are typed by their bytes)",
    );
  }
  let image:
    | { bytes: Uint8Array; width: number; height: number; name: string; mime: string }
    | undefined;
  if (attachment === "image") {
    if (options.dryRun && options.wait !== undefined) {
      throw new LegionError("usage", "--dry-run sends nothing: it cannot be combined with --wait");
    }
    const clean = await sanitizeForSend(inv, { ...options, image: options.image! });
    if (!clean) return; // a dry run
    image = {
      bytes: clean.bytes,
      width: clean.width,
      height: clean.height,
      name: options.name ?? imageName(options.image!, clean.format),
      mime: `image/${clean.format}`,
    };
  }
  const queue = attachment === undefined ? undefined : prepareFileSend(inv, {
    to: name,
    path: options.file ?? options.voice ?? options.image!,
    kind: attachment,
    bytes: image?.bytes,
    width: image?.width,
    height: image?.height,
    name: image?.name ?? options.name,
    mime: image?.mime ?? options.mime,
    maxBytes: options.maxSize ?? DEFAULT_MAX_FILE_BYTES,
    ttlSeconds,
    burn: options.burn ?? false,
    quiet: options.quiet ?? false,
  });
  const text = queue ? "" : await messageText(inv, textArg, options.messageFile);
  const params = {
    to: name,
    text,
    ttlSeconds,
    burn: options.burn ?? false,
    ...(options.viaRelay ? { viaRelay: true } : {}),
  };
  if (options.wait === undefined) {
    const queued = queue
      ? await queue((service, p) => inv.service(service, p))
      : await inv.service("send", params);
    report(inv, queued);
    return;
  }
  const waitMs = options.wait === true ? DEFAULT_WAIT_MS : options.wait;
  const { sendAndWait } = await import("../node/send_wait.ts");
  inv.stopOnSignals();
  const outcome = await sendAndWait(inv, {
    params,
    queue,
    waitMs,
    tor: options,
    onQueued: (queued) => report(inv, queued),
  });
  if (outcome.state === "delivered") {
    inv.out.result({ type: "delivered", id: outcome.id, to: name }, `delivered ${outcome.id}`);
    return;
  }
  if (outcome.state === "failed") {
    if (queue) {
      throw new LegionError(
        "bad_data",
        `${name} refused ${outcome.id}: it did not verify there, or an image did not decode`,
      );
    }
    throw new LegionError("bad_data", `${name} could not decrypt message ${outcome.id}`, {
      hint: "their keys may have changed: re-import their card",
    });
  }
  const later = "a running `legion listen` or `legion queue run` delivers it later";
  if (outcome.state === "unreachable") {
    throw new LegionError(
      outcome.cause === "tor" ? "tor_unavailable" : "peer_unavailable",
      `Not delivered within ${
        formatDuration(waitMs)
      }: ${outcome.error}; ${outcome.id} stays queued`,
      { hint: later },
    );
  }
  throw new LegionError(
    "retry_later",
    inv.signal?.aborted
      ? `Stopped before the ack; ${outcome.id} stays queued`
      : `Not delivered within ${formatDuration(waitMs)}; ${outcome.id} stays queued`,
    { hint: later },
  );
}

/** The TTL in seconds, clamped to the policy every receiver applies — saying so when it is. */
function ttlWithinPolicy(inv: Invocation, ms: number): number {
  const seconds = Math.floor(ms / 1000);
  const clamped = Math.min(TTL_MAX_SECONDS, Math.max(TTL_MIN_SECONDS, seconds));
  if (clamped !== seconds) {
    inv.out.warn(
      `--ttl ${formatDuration(ms)} is outside 1m … 30d; using ${formatDuration(clamped * 1000)}`,
    );
  }
  return clamped;
}

function report(inv: Invocation, queued: Queued): void {
  inv.out.result({ type: "queued", ...queued }, queued.id);
}

export async function messageText(
  inv: Invocation,
  textArg: string | undefined,
  messageFile: string | undefined,
): Promise<string> {
  if (messageFile !== undefined && textArg !== undefined) {
    throw new LegionError("usage", "A text argument and --message-file cannot be used together", {
      hint: "give the message one way: --message-file FILE, or stdin",
    });
  }
  if (textArg !== undefined && textArg !== "-") return textArg;
  const source = messageFile ?? "-";
  if (textArg === undefined && messageFile === undefined && inv.ctx.stdin.isTTY) {
    throw new LegionError("usage", "No message given", {
      hint: "pass --message-file FILE, pipe it in, or type it after `legion send bob -`",
    });
  }
  // Two bytes more for the trailing newline dropped below; the node checks the exact limit.
  const text = await readInputText(inv.ctx, source, {
    limit: MAX_TEXT_BYTES + 2,
    what: "message",
    tooLarge: messageTooLarge,
  });
  // One trailing newline (from echo or a file) is not part of the message.
  return text.endsWith("\r\n") ? text.slice(0, -2) : text.endsWith("\n") ? text.slice(0, -1) : text;
}
