/**
 * `legion send NAME [TEXT|-]`: encrypts now and queues; the running node (or a later
 * `legion queue run`) delivers. With `--wait` it waits for the peer's durable ack: exit 0 when
 * delivered, 75 when the time runs out (the message stays queued).
 */
import type { Command } from "commander";
import { Option } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { parseDuration } from "../cli/duration.ts";
import { readAll } from "../cli/secret_input.ts";
import { addTorOptions, type TorOptions } from "../cli/tor_options.ts";
import { MAX_TEXT_BYTES } from "../node/messenger.ts";
import type { Queued } from "../node/service_map.ts";
import { LegionError } from "../errors.ts";

interface SendOptions extends TorOptions {
  ttl?: string;
  burn?: boolean;
  wait?: number | true;
}

export const DEFAULT_WAIT_SECONDS = 60;

export function registerSend(program: Command, run: ActionRunner): void {
  addTorOptions(
    program.command("send")
      .description("encrypt a text message for a contact and queue it for delivery")
      .argument("<name>", "the contact")
      .argument("[text]", "the message; - or nothing reads stdin")
      .option("--ttl <duration>", "time to live (1m … 30d, default 7d)")
      .option("--burn", "burn after reading: deleted on both devices once read")
      .addOption(
        new Option("--wait [seconds]", "wait for the delivery ack (default 60 s); 75 on timeout")
          .argParser(parseWait),
      ),
  )
    .addHelpText(
      "after",
      '\nExamples:\n  legion send bob "see you at 8"\n  echo "from a pipe" | legion send bob -\n' +
        "  legion send bob --burn --ttl 1h --wait 120 < note.txt\n",
    )
    .action(run(send));
}

async function send(
  inv: Invocation,
  name: string,
  textArg: string | undefined,
  options: SendOptions,
): Promise<void> {
  const text = await messageText(inv, textArg);
  const ttlSeconds = options.ttl === undefined
    ? undefined
    : Math.round(parseDuration(options.ttl, "--ttl") / 1000);
  const params = { to: name, text, ttlSeconds, burn: options.burn ?? false };
  if (options.wait === undefined) {
    report(inv, await inv.service("send", params));
    return;
  }
  const waitMs = (options.wait === true ? DEFAULT_WAIT_SECONDS : options.wait) * 1000;
  const { sendAndWait } = await import("../node/send_wait.ts");
  inv.stopOnSignals();
  const outcome = await sendAndWait(inv, params, waitMs, options, (queued) => report(inv, queued));
  if (outcome.state === "delivered") {
    inv.out.result({ type: "delivered", id: outcome.id, to: name }, `delivered ${outcome.id}`);
    return;
  }
  if (outcome.state === "failed") {
    throw new LegionError("bad_data", `${name} could not decrypt message ${outcome.id}`, {
      hint: "their keys may have changed: re-import their card",
    });
  }
  throw new LegionError(
    "retry_later",
    inv.signal?.aborted
      ? `Stopped before the ack; ${outcome.id} stays queued`
      : `Not delivered within ${waitMs / 1000} s; ${outcome.id} stays queued`,
    {
      hint: "a running `legion listen` or `legion queue run` delivers it later",
    },
  );
}

function report(inv: Invocation, queued: Queued): void {
  inv.out.result({ type: "queued", ...queued }, queued.id);
}

async function messageText(inv: Invocation, textArg: string | undefined): Promise<string> {
  if (textArg !== undefined && textArg !== "-") return textArg;
  if (textArg === undefined && inv.ctx.stdin.isTTY) {
    throw new LegionError("usage", "No message given", {
      hint: "pass the text as an argument, or pipe it in: echo hi | legion send bob -",
    });
  }
  const text = await readAll(inv.ctx.stdin, MAX_TEXT_BYTES + 2);
  // One trailing newline (from echo or a file) is not part of the message.
  return text.endsWith("\r\n") ? text.slice(0, -2) : text.endsWith("\n") ? text.slice(0, -1) : text;
}

function parseWait(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new LegionError("usage", `--wait needs a number of seconds, got ${value}`);
  }
  return seconds;
}
