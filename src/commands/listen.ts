/**
 * `legion listen`: the node. Unlocks the store, starts or attaches to tor, publishes this
 * identity's onion service, receives and acknowledges messages, delivers the queue, sweeps expired
 * messages and serves other commands over the agent socket — until SIGINT/SIGTERM. Events go to
 * stdout (`--json`: one object per line). A tor Legion started is stopped on the way out.
 *
 * One node per data dir: the node lock (node/node_lock.ts) is taken before anything else; a second
 * `listen` exits 78 without touching the first one's files. SIGINT/SIGTERM stop it within seconds
 * whatever is in flight (dials and waits for acks are aborted; their items stay queued); a second
 * signal exits at once (cli/stop_signals.ts).
 */
import type { Command } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { addTorOptions, type TorOptions } from "../cli/tor_options.ts";
import { LegionError } from "../errors.ts";
import { checkIntegrity } from "../store/integrity.ts";
import { databasePath } from "../store/layout.ts";
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
  const [
    { takeNodeLock },
    { AgentClient },
    { writePidFile },
    { bringUpTor, torTransport },
    {
      startNode,
    },
    { describeEvent },
    { socksRelayDialer },
  ] = await Promise.all([
    import("../node/node_lock.ts"),
    import("../node/agent_client.ts"),
    import("../node/processes.ts"),
    import("../node/tor_setup.ts"),
    import("../node/node.ts"),
    import("../cli/describe_event.ts"),
    import("../node/relay_link.ts"),
  ]);
  // The lock comes first: of two nodes started at once, the loser leaves before touching anything.
  const lock = takeNodeLock(inv.home);
  if (lock === "held") throw alreadyRunning();
  if (lock !== "absent") inv.onCleanup(() => lock.release());
  assertPrivateHome(inv.home);
  const running = await AgentClient.connect(inv.home);
  if (running) {
    running.close();
    throw alreadyRunning();
  }
  const store = await inv.unlock();
  // A corrupt page is refused now (exit 65), not met later by every delivery.
  const checkMs = checkIntegrity(store.db, databasePath(inv.home));
  inv.out.note(`store integrity checked in ${Math.round(checkMs)} ms`);
  const stop = inv.stopOnSignals();
  inv.onCleanup(writePidFile(inv.home));
  if (stop.aborted) return;
  const tor = await bringUpTor(inv, options);
  if (stop.aborted) return;
  inv.out.note("publishing the onion service");
  let shutdown = () => {};
  const requested = new Promise<"shutdown">((resolve) => shutdown = () => resolve("shutdown"));
  const node = await startNode(inv, store, {
    transport: torTransport(tor),
    relayDialer: socksRelayDialer(tor.socks),
    emit: (event) => inv.out.result(event, describeEvent(event)),
    onShutdown: () => shutdown(),
  });
  inv.onCleanup(() => node.close());

  const outcome = await new Promise<"signal" | "tor" | "shutdown">((resolve) => {
    if (stop.aborted) return resolve("signal");
    stop.addEventListener("abort", () => resolve("signal"), { once: true });
    tor.control.closed.then(() => resolve("tor"));
    inv.ctx.stdoutClosed?.then(() => resolve("signal"));
    requested.then(resolve);
  });
  if (outcome === "tor") {
    throw new LegionError("tor_unavailable", "Lost the connection to tor", {
      hint: "tor exited or was restarted",
    });
  }
  inv.out.note("stopping");
}

function alreadyRunning(): LegionError {
  return new LegionError("config", "A node is already running for this data dir", {
    hint: "stop it first, or pass another --home",
  });
}
