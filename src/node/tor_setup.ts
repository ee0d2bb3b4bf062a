/**
 * Bringing tor up from the tor options: attach to a running tor when `--tor-control` is given,
 * else start our own in the data dir's tor directory (store/layout.ts).
 */
import { readFileSync } from "node:fs";
import { attachTor, launchTor, type TorInstance } from "../transport/tor_process.ts";
import { TorTransport } from "../transport/tor_transport.ts";
import { homeLayout } from "../store/layout.ts";
import { nodeTransportOptions } from "./transport_identity.ts";
import type { ServiceHost } from "./services.ts";
import type { TransportFactory } from "./node.ts";
import type { NodeContext } from "./node_context.ts";
import { Deliverer } from "./outbound.ts";
import { parsePortAddress } from "../transport/address.ts";
import { LegionError } from "../errors.ts";
import { stopProcess, torProcessesUsingDir } from "./processes.ts";
import { runningNode } from "./node_lock.ts";
import { type RelayDialer, relaySettings, socksRelayDialer } from "./relay_link.ts";
import { RelayDepositor } from "./relay_deposit.ts";

/** The tor options of `listen`, `queue run` and `send --wait` (cli/tor_options.ts parses them). */
export interface TorOptions {
  torBin?: string;
  torControl?: string;
  /** The attached tor's control cookie, named by the user (SAFECOOKIE). */
  torCookie?: string;
  torSocks?: string;
  torrcExtra?: string;
  torTimeout: number;
}

/** Starts or attaches to tor; the context's cleanup stops a tor we started. */
export async function bringUpTor(ctx: NodeContext, options: TorOptions): Promise<TorInstance> {
  const env = ctx.env;
  const controlText = options.torControl ?? env.LEGION_TOR_CONTROL;
  const socksText = options.torSocks ?? env.LEGION_TOR_SOCKS;
  const extraFile = options.torrcExtra ?? env.LEGION_TORRC_EXTRA;
  if (socksText && !controlText) {
    throw new LegionError("usage", "--tor-socks needs --tor-control", {
      hint: "give both to attach to a running tor, or neither to start one",
    });
  }
  const extraTorrc = extraFile ? readExtraTorrc(extraFile) : undefined;
  let tor: TorInstance;
  if (controlText) {
    if (extraFile || options.torBin) {
      ctx.warn(
        "--torrc-extra and --tor-bin apply only to a tor Legion starts; ignored when attaching",
      );
    }
    tor = await attachTor({
      control: parsePortAddress(controlText, "control"),
      socks: socksText ? parsePortAddress(socksText, "SOCKS") : undefined,
      password: env.LEGION_TOR_CONTROL_PASSWORD,
      cookieFile: options.torCookie ?? env.LEGION_TOR_COOKIE,
    });
  } else {
    if (runningNode(ctx.home) !== undefined) {
      throw new LegionError("config", "A node is running for this data dir but not answering yet", {
        hint: "wait for `legion listen` to be ready, or stop it",
      });
    }
    // A tor left behind by a node that was killed still holds the data dir's lock: stop it (only a
    // process named tor whose command line points into this data dir qualifies).
    const torDir = homeLayout(ctx.home).torDir;
    for (const pid of torProcessesUsingDir(torDir)) await stopProcess(pid);
    ctx.note("starting tor");
    tor = await launchTor({
      dataDir: torDir,
      torBin: options.torBin,
      extraTorrc,
      bootstrapTimeoutMs: options.torTimeout * 1000,
      onProgress: (p) => ctx.note(`tor: bootstrapped ${p.percent}% (${p.summary})`),
    });
  }
  ctx.onCleanup(() => tor.stop());
  return tor;
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

/** The node's transport over `tor`. */
export function torTransport(tor: Pick<TorInstance, "control" | "socks">): TransportFactory {
  return (options) => new TorTransport({ ...options, tor });
}

/**
 * Brings tor up and returns a deliverer dialing through it, for work without a running node
 * (`queue run`, `send --wait`). Cleanups: wipe the seed copy, then stop tor. It is aborted with
 * the context's signal.
 */
export async function torDeliverer(
  ctx: NodeContext,
  host: ServiceHost,
  options: TorOptions,
): Promise<Deliverer> {
  const tor = await bringUpTor(ctx, options);
  return delivererOver(ctx, host, torTransport(tor), socksRelayDialer(tor.socks));
}

/** A deliverer dialing through `transport` (tor, or a test's in-memory network). */
export function delivererOver(
  ctx: NodeContext,
  host: ServiceHost,
  transport: TransportFactory,
  /** Reaches relays for the deposit fallback (none: no fallback). */
  relayDialer?: RelayDialer,
): Deliverer {
  const { messenger, signal } = host;
  const identity = nodeTransportOptions(
    messenger.store,
    signal,
    () => ctx.now(),
    messenger.groupPeers,
  );
  ctx.onCleanup(() => identity.wipe());
  const deliverer = new Deliverer(messenger, transport(identity.options));
  if (relayDialer) {
    const relay = new RelayDepositor(messenger, relayDialer, relaySettings(ctx.env));
    deliverer.relay = relay;
    ctx.onCleanup(() => relay.close());
  }
  // SIGINT/SIGTERM: dials and waits for acks end now; their items stay queued.
  if (ctx.signal?.aborted) deliverer.abort();
  ctx.signal?.addEventListener("abort", () => deliverer.abort(), { once: true });
  return deliverer;
}
