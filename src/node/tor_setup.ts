/**
 * Bringing tor up from the tor options (tor_options.ts): attach to a running tor when
 * `--tor-control` is given, else start our own in `<data dir>/tor`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Invocation } from "../cli/invocation.ts";
import { attachTor, launchTor, type TorInstance } from "../transport/tor_process.ts";
import { TorTransport } from "../transport/tor_transport.ts";
import { loadIdentity } from "../store/identity_store.ts";
import { contactPeers } from "./known_contacts.ts";
import type { ServiceHost } from "./services.ts";
import { parsePortAddress } from "../transport/address.ts";
import { LegionError } from "../errors.ts";
import type { TorOptions } from "./tor_options.ts";
import { runningNodePid, stopProcess, torProcessesUsingDir } from "./processes.ts";

/** Starts or attaches to tor; the invocation's cleanup stops a tor we started. */
export async function bringUpTor(inv: Invocation, options: TorOptions): Promise<TorInstance> {
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
  let tor: TorInstance;
  if (controlText) {
    if (extraFile || options.torBin) {
      inv.out.warn(
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
    if (runningNodePid(inv.home) !== undefined) {
      throw new LegionError("config", "A node is running for this data dir but not answering yet", {
        hint: "wait for `legion listen` to be ready, or stop it",
      });
    }
    // A tor left behind by a node that was killed still holds the data dir's lock: stop it (only a
    // process named tor whose command line points into this data dir qualifies).
    for (const pid of torProcessesUsingDir(join(inv.home, "tor"))) await stopProcess(pid);
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

/**
 * A transport over `tor` that signs hellos as this identity and admits contacts only. The
 * invocation's cleanup wipes the seed copy it holds.
 */
export function transportFor(inv: Invocation, host: ServiceHost, tor: TorInstance): TorTransport {
  const { store } = host.messenger;
  const identity = loadIdentity(store.db, store.sealer);
  inv.onCleanup(() => {
    identity.seed.fill(0);
    identity.zkSecret.fill(0);
  });
  return new TorTransport({
    identity: { seed: identity.seed, publicKey: identity.publicKey },
    knownPeers: contactPeers(host.signal),
    now: inv.ctx.now,
    tor,
  });
}

/** Brings tor up and returns `transportFor` it (cleanups: wipe the seed, stop tor). */
export async function torTransportFor(
  inv: Invocation,
  host: ServiceHost,
  options: TorOptions,
): Promise<TorTransport> {
  return transportFor(inv, host, await bringUpTor(inv, options));
}
