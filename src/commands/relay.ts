/**
 * `legion relay`: run a mailbox relay for offline contacts (src/relay/, docs/relay.md).
 *
 *   relay init [rules]                  a relay home: its own key and onion, sealed DB, member group
 *   relay serve [tor options]           publish the onion and serve until SIGINT/SIGTERM
 *   relay admit COMMITMENT…             add members (Semaphore commitments, `legion auth id`)
 *   relay revoke COMMITMENT             remove a member; its older roots stop working at once
 *   relay card                          the relay's signed card (onion, group root, rules)
 *   relay status                        mailboxes, items, bytes, refusals by reason
 *
 * The relay's home is `--home` > `$LEGION_RELAY_HOME` > `$XDG_DATA_HOME/legion-relay` >
 * `~/.local/share/legion-relay` — never a user's home.
 */
import { join, resolve } from "node:path";
import { type Command, Option } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { addTorOptions, type TorOptions } from "../cli/tor_options.ts";
import { countOption, durationOption } from "../cli/number_option.ts";
import { readPassphrase, withPassphrase } from "../cli/passphrase.ts";
import type { NodeContext } from "../node/node_context.ts";
import { LegionError } from "../errors.ts";

interface InitOptions {
  slots: number;
  epoch: number;
  maxEnvelope: number;
  ttl: number;
  mailboxItems: number;
  mailboxBytes: number;
  windowSeconds: number;
  windowRoots: number;
}

export function registerRelay(program: Command, run: ActionRunner): void {
  const relay = program.command("relay")
    .description("run a mailbox relay for offline contacts (deposits need a membership proof)")
    .addHelpText(
      "after",
      "\nThe relay's home: --home, else $LEGION_RELAY_HOME, else ~/.local/share/legion-relay.\n" +
        "Examples:\n  legion relay init --home ~/relay\n  legion relay admit --home ~/relay 1234…\n" +
        "  legion relay serve --home ~/relay --json\n",
    );
  relay.command("init")
    .description("create a relay: its own key and onion, a sealed database, an empty member group")
    .addOption(
      new Option("--slots <k>", "deposits per member per epoch").default(200)
        .argParser(countOption("--slots")),
    )
    .addOption(
      new Option("--epoch <duration>", "epoch length (e.g. 1d, 1h)").default(86_400_000, "1d")
        .argParser(durationOption({ option: "--epoch", bare: "s", minMs: 60_000 })),
    )
    .addOption(
      new Option("--max-envelope <bytes>", "largest envelope accepted").default(256 * 1024)
        .argParser(countOption("--max-envelope")),
    )
    .addOption(
      new Option("--ttl <duration>", "how long deposits are kept (at most 7d)")
        .default(7 * 86_400_000, "7d")
        .argParser(
          durationOption({ option: "--ttl", bare: "s", minMs: 60_000, maxMs: 7 * 86_400_000 }),
        ),
    )
    .addOption(
      new Option("--mailbox-items <n>", "items per mailbox at most").default(1000)
        .argParser(countOption("--mailbox-items")),
    )
    .addOption(
      new Option("--mailbox-bytes <n>", "bytes per mailbox at most").default(32 * 1024 * 1024)
        .argParser(countOption("--mailbox-bytes")),
    )
    .addOption(
      new Option("--window-seconds <n>", "how long a root replaced by `admit` stays valid")
        .default(3600).argParser(countOption("--window-seconds")),
    )
    .addOption(
      new Option("--window-roots <n>", "how many replaced roots stay valid at most")
        .default(16).argParser(countOption("--window-roots")),
    )
    .action(run(init));
  addTorOptions(
    relay.command("serve")
      .description("publish the relay's onion and serve deposits and fetches until stopped"),
  ).action(run(serve));
  relay.command("admit")
    .description("add members by commitment (one new root for the batch)")
    .argument("<commitment...>", "identity commitments (decimal, from `legion auth id`)")
    .action(run(admit));
  relay.command("revoke")
    .description("remove a member; proofs against older roots are refused at once")
    .argument("<commitment>", "identity commitment (decimal)")
    .action(run(revoke));
  relay.command("card")
    .description("print the relay's signed card (give it to users who open mailboxes here)")
    .action(run(card));
  relay.command("status")
    .description("mailboxes, items, bytes and refused requests by reason")
    .action(run(status));
}

/** The relay's home (see the module doc). */
export function relayHome(inv: Invocation): string {
  const { ctx } = inv;
  if (inv.globals.home) return inv.home;
  if (ctx.env.LEGION_RELAY_HOME) return resolve(ctx.cwd, ctx.env.LEGION_RELAY_HOME);
  if (ctx.env.XDG_DATA_HOME) return resolve(ctx.cwd, ctx.env.XDG_DATA_HOME, "legion-relay");
  return join(ctx.userHome, ".local", "share", "legion-relay");
}

async function init(inv: Invocation, options: InitOptions): Promise<void> {
  const { createRelayHome, relayExists } = await import("../relay/relay_home.ts");
  const { parseRules } = await import("../relay/relay_rules.ts");
  const home = relayHome(inv);
  if (relayExists(home)) {
    throw new LegionError("identity_exists", `A relay already exists in ${home}`, {
      hint: "pass --home DIR for another relay",
    });
  }
  const rules = parseRules({
    slotsPerEpoch: options.slots,
    epochSeconds: Math.round(options.epoch / 1000),
    maxEnvelopeBytes: options.maxEnvelope,
    ttlSeconds: Math.round(options.ttl / 1000),
    mailboxItems: options.mailboxItems,
    mailboxBytes: options.mailboxBytes,
  });
  const passphrase = await readPassphrase(inv.ctx, inv.globals, { confirm: true });
  const { onion } = await createRelayHome(home, {
    passphrase,
    rules,
    window: { seconds: options.windowSeconds, roots: options.windowRoots },
  });
  inv.out.result({ type: "relay", onion, home, rules }, onion);
}

async function unlock(inv: Invocation, home: string) {
  const { requireRelay, unlockRelay } = await import("../relay/relay_home.ts");
  requireRelay(home);
  const relay = await withPassphrase(inv.ctx, inv.globals, (p) => unlockRelay(home, p));
  inv.onCleanup(() => relay.close());
  return relay;
}

async function serve(inv: Invocation, options: TorOptions): Promise<void> {
  const [
    { takeNodeLock },
    { bringUpTor },
    { startRelay },
    { publishOnion },
    { assertPrivateHome },
  ] = await Promise.all([
    import("../node/node_lock.ts"),
    import("../node/tor_setup.ts"),
    import("../relay/relay_runtime.ts"),
    import("../transport/onion_service.ts"),
    import("../store/home_mode.ts"),
  ]);
  const home = relayHome(inv);
  const lock = takeNodeLock(home);
  if (lock === "held") {
    throw new LegionError("config", "This relay is already being served", {
      hint: "stop the other `relay serve` first",
    });
  }
  if (lock !== "absent") inv.onCleanup(() => lock.release());
  assertPrivateHome(home);
  const relay = await unlock(inv, home);
  const stop = inv.stopOnSignals();
  if (stop.aborted) return;
  const context: NodeContext = {
    home,
    env: inv.env,
    now: () => inv.now(),
    note: (m) => inv.note(m),
    warn: (m) => inv.warn(m),
    signal: inv.signal,
    onCleanup: (fn) => inv.onCleanup(fn),
    unlock: () => Promise.reject(new Error("a relay has no user store")),
  };
  const tor = await bringUpTor(context, options);
  if (stop.aborted) return;
  const running = await startRelay(relay, {
    home,
    now: () => inv.now(),
    emit: (event) => inv.out.result(event, describe(event)),
  });
  inv.onCleanup(() => running.close());
  inv.out.note("publishing the onion service");
  const published = await publishOnion(tor.control, relay.identity, {
    host: "127.0.0.1",
    port: running.listener.port,
  });
  inv.onCleanup(() => published.remove());
  inv.out.result(
    { type: "relay_ready", onion: published.onion, publishSeconds: published.publishSeconds },
    `relay ready at ${published.onion}`,
  );
  const outcome = await new Promise<"signal" | "tor">((done) => {
    if (stop.aborted) return done("signal");
    stop.addEventListener("abort", () => done("signal"), { once: true });
    tor.control.closed.then(() => done("tor"));
    inv.ctx.stdoutClosed?.then(() => done("signal"));
  });
  if (outcome === "tor") {
    throw new LegionError("tor_unavailable", "Lost the connection to tor", {
      hint: "tor exited or was restarted",
    });
  }
  inv.out.note("stopping");
}

function describe(event: { type: string } & Record<string, unknown>): string {
  switch (event.type) {
    case "relay_request":
      return `${event.request}: ${event.outcome}`;
    case "relay_group":
      return `member group reloaded: ${event.members} members`;
    case "relay_sweep":
      return `expired ${event.items} items, ${event.mailboxes} mailboxes`;
    default:
      return `error: ${event.message}`;
  }
}

async function admit(inv: Invocation, commitments: string[]): Promise<void> {
  const { parseCommitment } = await import("../zk/group.ts");
  const { admitMembers } = await import("../relay/relay_home.ts");
  const group = await admitMembers(relayHome(inv), commitments.map(parseCommitment), inv.now());
  printGroup(inv, group);
}

async function revoke(inv: Invocation, commitment: string): Promise<void> {
  const { parseCommitment } = await import("../zk/group.ts");
  const { revokeMember } = await import("../relay/relay_home.ts");
  const group = await revokeMember(relayHome(inv), parseCommitment(commitment), inv.now());
  printGroup(inv, group);
}

function printGroup(inv: Invocation, group: { root: bigint; activeSize: number }): void {
  inv.out.result(
    { type: "relay_group", root: group.root.toString(), members: group.activeSize },
    `${group.activeSize} members, root ${group.root}`,
  );
}

async function card(inv: Invocation): Promise<void> {
  const { readRelayGroup } = await import("../relay/relay_home.ts");
  const { signRelayCard } = await import("../relay/relay_card.ts");
  const { sodium } = await import("../crypto/sodium.ts");
  const home = relayHome(inv);
  const relay = await unlock(inv, home);
  const group = await readRelayGroup(home, { lazy: true });
  const text = signRelayCard(await sodium(), {
    onion: relay.identity.onion,
    publicKey: relay.identity.publicKey,
    groupRoot: group.root,
    members: group.activeSize,
    rules: relay.rules,
    createdAt: inv.now(),
  }, relay.identity);
  // The card is itself a JSON object; with --json it is printed as one line all the same.
  inv.ctx.stdout.write(text + "\n");
}

async function status(inv: Invocation): Promise<void> {
  const { requireRelay } = await import("../relay/relay_home.ts");
  const { openRelayDatabase, relayTotals } = await import("../relay/relay_store.ts");
  const { relayLayout } = await import("../store/layout.ts");
  const { assertPrivateHome } = await import("../store/home_mode.ts");
  const home = relayHome(inv);
  assertPrivateHome(home);
  requireRelay(home);
  const db = openRelayDatabase(relayLayout(home).database);
  try {
    const totals = relayTotals(db);
    const lines = [
      `mailboxes: ${totals.mailboxes}`,
      `items: ${totals.items} (${totals.bytes} bytes)`,
      `nullifiers: ${totals.nullifiers}`,
      ...Object.entries(totals.refused).map(([reason, n]) => `refused ${reason}: ${n}`),
    ];
    inv.out.result({ type: "relay_status", ...totals }, lines);
  } finally {
    db.close();
  }
}
