/**
 * `legion listen` (first version): unlock, start or attach to tor, publish this identity's onion
 * service, print a `ready` event, and accept streams until SIGINT/SIGTERM. A tor Legion started is
 * stopped on the way out; an attached tor keeps running (only our onion service goes away).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import type { Command } from "commander";
import { Option } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { loadIdentity } from "../store/identity_store.ts";
import { attachTor, launchTor, type TorInstance } from "../transport/tor_process.ts";
import { parsePortAddress } from "../transport/address.ts";
import { TorTransport } from "../transport/tor_transport.ts";
import { knownPeerSet } from "../protocol/known_peers.ts";
import { LegionError } from "../errors.ts";

interface ListenOptions {
  torBin?: string;
  torControl?: string;
  torSocks?: string;
  torrcExtra?: string;
  torTimeout: number;
}

export function registerListen(program: Command, run: ActionRunner): void {
  program.command("listen")
    .description("bring up tor, publish this identity's onion service and wait for peers")
    .option("--tor-bin <path>", "tor executable to start (default: tor on PATH)")
    .addOption(
      new Option("--tor-control <addr>", "attach to a running tor's ControlPort (HOST:PORT)")
        .env("LEGION_TOR_CONTROL"),
    )
    .addOption(
      new Option("--tor-socks <addr>", "with --tor-control: its SocksPort (default: asked)")
        .env("LEGION_TOR_SOCKS"),
    )
    .addOption(
      new Option("--torrc-extra <file>", "append these torrc lines to the tor Legion starts")
        .env("LEGION_TORRC_EXTRA"),
    )
    .addOption(
      new Option("--tor-timeout <seconds>", "give up when tor has not bootstrapped by then")
        .default(180).argParser(parseSeconds),
    )
    .action(run(listen));
}

async function listen(inv: Invocation, options: ListenOptions): Promise<void> {
  const env = inv.ctx.env;
  const controlText = options.torControl ?? env.LEGION_TOR_CONTROL;
  const socksText = options.torSocks ?? env.LEGION_TOR_SOCKS;
  const extraFile = options.torrcExtra ?? env.LEGION_TORRC_EXTRA;
  if (socksText && !controlText) {
    throw new LegionError("usage", "--tor-socks needs --tor-control", {
      hint: "give both to attach to a running tor, or neither to start one",
    });
  }
  const extraTorrc = extraFile ? readExtraTorrc(extraFile) : undefined;

  const store = await inv.unlock();
  const identity = loadIdentity(store.db, store.sealer);
  inv.onCleanup(() => {
    identity.seed.fill(0);
    identity.zkSecret.fill(0);
  });

  let tor: TorInstance;
  if (controlText) {
    tor = await attachTor({
      control: parsePortAddress(controlText, "control"),
      socks: socksText ? parsePortAddress(socksText, "SOCKS") : undefined,
      password: env.LEGION_TOR_CONTROL_PASSWORD,
    });
  } else {
    inv.out.note("starting tor");
    tor = await launchTor({
      dataDir: join(inv.home, "tor"),
      torBin: options.torBin,
      extraTorrc,
      bootstrapTimeoutMs: options.torTimeout * 1000,
      onProgress: (p) => inv.out.note(`tor: bootstrapped ${p.percent}% (${p.summary})`),
    });
  }
  inv.onCleanup(() => tor.stop());

  const transport = new TorTransport({
    identity: { seed: identity.seed, publicKey: identity.publicKey },
    // TODO(issue 4): accept the contact store's keys; until contacts exist nobody is known.
    knownPeers: knownPeerSet([]),
    now: inv.ctx.now,
    tor,
  });
  inv.out.note("publishing the onion service");
  const listener = await transport.listen(async (stream, peer) => {
    inv.out.result({ type: "stream", peer: peer.onion }, `stream from ${peer.onion}`);
    await stream.closed; // TODO(issue 5): hand the stream to messaging
  });
  inv.onCleanup(() => listener.close());

  inv.out.result(
    { type: "ready", onion: listener.onion, ...(tor.pid ? { torPid: tor.pid } : {}) },
    `ready: listening on ${listener.onion}`,
  );

  const outcome = await new Promise<"signal" | "tor">((resolve) => {
    const onSignal = () => resolve("signal");
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    inv.onCleanup(() => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    });
    tor.control.closed.then(() => resolve("tor"));
  });
  if (outcome === "tor") {
    throw new LegionError("tor_unavailable", "Lost the connection to tor", {
      hint: "tor exited or was restarted",
    });
  }
  inv.out.note("stopping");
}

function readExtraTorrc(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new LegionError(
      "no_input",
      `Cannot read the torrc-extra file: ${(err as Error).message}`,
    );
  }
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new LegionError("usage", `Not a number of seconds: ${value}`);
  }
  return seconds;
}
