/**
 * `legion listen`: the node. Unlocks the store, starts or attaches to tor, publishes this
 * identity's onion service, receives and acknowledges messages, delivers the queue, sweeps expired
 * messages and serves other commands over the agent socket — until SIGINT/SIGTERM. Events go to
 * stdout (`--json`: one object per line). A tor Legion started is stopped on the way out.
 */
import process from "node:process";
import type { Command } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { addTorOptions, type TorOptions } from "../cli/tor_options.ts";
import { LegionError } from "../errors.ts";
import { assertPrivateHome } from "../store/home_mode.ts";

export function registerListen(program: Command, run: ActionRunner): void {
  addTorOptions(
    program.command("listen")
      .description("run the node: receive, deliver the queue, serve other commands locally"),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  legion listen --json | jq 'select(.type == \"message\")'\n" +
        "  legion listen --torrc-extra private-net.torrc\n",
    )
    .action(run(listen));
}

async function listen(inv: Invocation, options: TorOptions): Promise<void> {
  const [{ AgentClient }, { writePidFile }, { bringUpTor, torTransport }, { startNode }, {
    describeEvent,
  }] = await Promise.all([
    import("../node/agent_client.ts"),
    import("../node/processes.ts"),
    import("../node/tor_setup.ts"),
    import("../node/node.ts"),
    import("../node/events.ts"),
  ]);
  assertPrivateHome(inv.home);
  const running = await AgentClient.connect(inv.home);
  if (running) {
    running.close();
    throw new LegionError("config", "A node is already running for this data dir", {
      hint: "stop it first, or pass another --home",
    });
  }
  const store = await inv.unlock();
  inv.onCleanup(writePidFile(inv.home));
  const tor = await bringUpTor(inv, options);
  inv.out.note("publishing the onion service");
  let shutdown = () => {};
  const requested = new Promise<"shutdown">((resolve) => shutdown = () => resolve("shutdown"));
  const node = await startNode(inv, store, {
    transport: torTransport(tor),
    emit: (event) => inv.out.result(event, describeEvent(event)),
    onShutdown: () => shutdown(),
  });
  inv.onCleanup(() => node.close());

  const outcome = await new Promise<"signal" | "tor" | "shutdown">((resolve) => {
    const onSignal = () => resolve("signal");
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    inv.onCleanup(() => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    });
    tor.control.closed.then(() => resolve("tor"));
    requested.then(resolve);
  });
  if (outcome === "tor") {
    throw new LegionError("tor_unavailable", "Lost the connection to tor", {
      hint: "tor exited or was restarted",
    });
  }
  inv.out.note("stopping");
}
