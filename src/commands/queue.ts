/**
 * `legion queue list | cancel ID | run`: the outbound queue. `run` is the one-shot for cron:
 * bring tor up, deliver everything that can be delivered, and say with the exit code what is left
 * (0 drained · 75 items remain · 69 tor could not start).
 */
import type { Command } from "commander";
import { Option } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { addTorOptions, type TorOptions } from "../cli/tor_options.ts";
import { describeEvent } from "../cli/describe_event.ts";
import { idArgument } from "../cli/id_argument.ts";
import { terminalLine } from "../cli/terminal_text.ts";
import { durationOption } from "../cli/number_option.ts";
import { LegionError } from "../errors.ts";

export function registerQueue(program: Command, run: ActionRunner): void {
  const queue = program.command("queue").description("list, cancel or deliver queued messages");
  queue.command("list")
    .description("show what waits for delivery, with attempts and the last error")
    .action(run(list));
  queue.command("cancel")
    .description("cancel a queued message")
    .argument("<id>", "message id, or a unique prefix of 8+ hex characters (as printed by send)")
    .action(run(cancel));
  addTorOptions(
    queue.command("run")
      .description("deliver what can be delivered now, then exit (for cron)")
      .addOption(
        new Option(
          "--timeout <duration>",
          "stop trying after this long (e.g. 90s, 5m; a bare number is seconds)",
        ).default(120_000, "2m").argParser(durationOption({ option: "--timeout", bare: "s" })),
      ),
  )
    .addHelpText(
      "after",
      "\nExit codes: 0 the queue drained · 75 items remain · 69 tor could not start\n" +
        "Example (crontab):\n  */15 * * * * legion queue run --passphrase-file ~/.legion-pass\n",
    )
    .action(run(runQueue));
}

async function list(inv: Invocation): Promise<void> {
  const items = await inv.service("queue.list", {});
  for (const item of items) {
    inv.out.result(
      { type: "queued", ...item },
      `${item.id}  ${terminalLine(item.to)}  ${item.kind}  attempts ${item.attempts}  ` +
        `next ${item.nextAttemptAt}` +
        (item.lastError ? `  (${terminalLine(item.lastError)})` : "") +
        (item.relayedAt ? `  relayed ${item.relayedAt}` : "") +
        (item.relayError ? `  (relay: ${terminalLine(item.relayError)})` : ""),
    );
  }
  if (items.length === 0 && !inv.out.json) inv.out.note("the queue is empty");
}

async function cancel(inv: Invocation, id: string): Promise<void> {
  const result = await inv.service("queue.cancel", { id: idArgument(id) });
  inv.out.result({ type: "cancelled", id: result.id }, `cancelled ${result.id}`);
}

async function runQueue(
  inv: Invocation,
  options: TorOptions & { /** Milliseconds. */ timeout: number },
): Promise<void> {
  const [{ agentFor }, { abortable }] = await Promise.all([
    import("../node/service_call.ts"),
    import("../node/abort.ts"),
  ]);
  const stop = inv.stopOnSignals();
  const agent = await agentFor(inv);
  const summary = agent
    // The running node keeps delivering; only this command's wait ends on a signal.
    ? await abortable(
      agent.call("queue.flush", { timeoutMs: options.timeout }),
      stop,
      () => {},
    ).catch((err) => {
      if (!stop.aborted) throw err;
      throw new LegionError(
        "retry_later",
        "Stopped by a signal; the running node keeps delivering",
      );
    })
    : await (await import("../node/queue_run.ts")).runQueueOnce(
      inv,
      options,
      options.timeout,
      (event) => inv.out.result(event, describeEvent(event)),
    );
  inv.out.result(
    { type: "queue_run", ...summary },
    `delivered ${summary.delivered}, ${summary.remaining} remaining`,
  );
  if (summary.remaining > 0) {
    throw new LegionError("retry_later", `${summary.remaining} item(s) are still queued`, {
      hint: "the contacts may be offline; run again later",
    });
  }
}
