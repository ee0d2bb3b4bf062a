/**
 * A private Tor network on 127.0.0.1 for integration tests and benchmarks: 3 directory authorities
 * and 2 relays (5 relays in all: fewer and onion-service circuits fail), `TestingTorNetwork 1`, a
 * temporary directory, free ports. Nothing leaves the loopback interface.
 *
 * - `startTorNetwork()` writes keys and torrcs, starts every tor, and resolves once the consensus
 *   lists all of them. `network.torrcLines` are what a node's own tor appends (`--torrc-extra`) to
 *   join it.
 * - `sharedTorNetwork()` starts one network lazily and hands the same one to every caller in this
 *   process (all tor tests live in one test module, so one network serves the whole run). With
 *   `LEGION_TEST_TOR_NETWORK=DIR` it instead uses a network already running in DIR (started by
 *   `deno run -A tests/support/tor_network.ts`, which prints that line and runs until Ctrl-C), so
 *   several test processes or a demo can share one; such a network is never stopped by its users.
 * - Stopping is by PID (from each tor's PidFile), never by name. It runs from `stop()`, from an
 *   `unload` listener when the test process ends normally, and — if the process is killed — each
 *   tor exits by itself: `__OwningControllerProcess` names the test process.
 */
import { join } from "node:path";
import { launchTor, type TorInstance } from "../../src/transport/tor_process.ts";

export interface TorNetwork {
  /** Temporary directory holding every node's data. */
  dir: string;
  /** torrc lines a client tor needs to join this network (newline-separated). */
  torrcLines: string;
  /** DirPort of the first authority (for consensus checks). */
  dirPort: number;
  /** PIDs of the network's tor processes. */
  pids: number[];
  /** Seconds from start to a full consensus. */
  consensusSeconds: number;
  /** False when this process attached to a network it did not start (and must not stop). */
  owned: boolean;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface TorNetworkOptions {
  authorities?: number;
  relays?: number;
  /** Voting interval in seconds (default 10; start-up varies by up to one interval). */
  votingInterval?: number;
  consensusTimeoutMs?: number;
  torBin?: string;
}

const TOR = "tor";
const GENCERT = "tor-gencert";

/** Reserves `count` distinct free TCP ports on 127.0.0.1 (held together, then released). */
export function freePorts(count: number): number[] {
  const listeners = Array.from(
    { length: count },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const ports = listeners.map((l) => (l.addr as Deno.NetAddr).port);
  for (const l of listeners) l.close();
  return ports;
}

export async function startTorNetwork(options: TorNetworkOptions = {}): Promise<TorNetwork> {
  const nAuth = options.authorities ?? 3;
  const nRelay = options.relays ?? 2;
  const vi = options.votingInterval ?? 10;
  const torBin = options.torBin ?? TOR;
  const started = performance.now();
  const dir = await Deno.makeTempDir({ prefix: "legion-tornet-" });
  const ports = freePorts(nAuth * 2 + nRelay);
  const authPorts = Array.from({ length: nAuth }, (_, i) => ({
    or: ports[2 * i],
    dir: ports[2 * i + 1],
  }));
  const relayPorts = ports.slice(2 * nAuth);
  const pidFiles: string[] = [];
  const startedPidFiles: string[] = [];
  const network: TorNetwork = {
    dir,
    torrcLines: "",
    dirPort: authPorts[0].dir,
    pids: [],
    consensusSeconds: 0,
    owned: true,
    stop: () => stopNetwork(network, startedPidFiles),
    [Symbol.asyncDispose]: () => network.stop(),
  };
  try {
    // 1. Authority keys: a v3 authority certificate and a relay identity each.
    const dirAuthorities: string[] = [];
    for (let i = 0; i < nAuth; i++) {
      const d = join(dir, `a${i}`);
      await Deno.mkdir(join(d, "keys"), { recursive: true, mode: 0o700 });
      await Deno.chmod(d, 0o700);
      await run(GENCERT, [
        "--create-identity-key",
        "--passphrase-fd",
        "0",
        "-m",
        "12",
        "-a",
        `127.0.0.1:${authPorts[i].dir}`,
        "-i",
        join(d, "keys", "authority_identity_key"),
        "-s",
        join(d, "keys", "authority_signing_key"),
        "-c",
        join(d, "keys", "authority_certificate"),
      ], "\n");
      const cert = await Deno.readTextFile(join(d, "keys", "authority_certificate"));
      const v3ident = /^fingerprint (\S+)/m.exec(cert)![1];
      await run(torBin, [
        "--ignore-missing-torrc",
        "-f",
        "/dev/null",
        "--DataDirectory",
        d,
        "--ORPort",
        "1",
        "--list-fingerprint",
        "--quiet",
      ]);
      const fingerprint = (await Deno.readTextFile(join(d, "fingerprint"))).trim().split(/\s+/)[1];
      dirAuthorities.push(
        `DirAuthority auth${i} orport=${authPorts[i].or} v3ident=${v3ident} ` +
          `127.0.0.1:${authPorts[i].dir} ${fingerprint}`,
      );
    }
    network.torrcLines = [
      "TestingTorNetwork 1",
      "UseDefaultFallbackDirs 0", // belt and braces: never bootstrap from the public network
      "PathsNeededToBuildCircuits 0.67",
      ...dirAuthorities,
      "",
    ].join("\n");

    // 2. torrc files, then start authorities and relays (daemonised; PIDs from PidFiles).
    const common = (nick: string, d: string) =>
      [
        "TestingTorNetwork 1",
        "UseDefaultFallbackDirs 0",
        "AssumeReachable 1",
        "PathsNeededToBuildCircuits 0.67",
        "TestingDirAuthVoteExit *",
        "TestingDirAuthVoteHSDir *",
        "TestingDirAuthVoteGuard *",
        "TestingMinExitFlagThreshold 0",
        // A consensus stays valid for 6 voting intervals, so an authority that misses a vote on a
        // loaded machine does not leave clients without a live consensus.
        "V3AuthNIntervalsValid 6",
        `DataDirectory ${d}`,
        `PidFile ${d}/pid`,
        `Nickname ${nick}`,
        "RunAsDaemon 1",
        "ShutdownWaitLength 0",
        `Log notice file ${d}/notice.log`,
        "LogTimeGranularity 1",
        "GeoIPFile /dev/null",
        "GeoIPv6File /dev/null",
        "Address 127.0.0.1",
        "SocksPort 0",
        "ExitRelay 0",
        `ContactInfo ${nick}@test.invalid`,
        `__OwningControllerProcess ${Deno.pid}`,
        ...dirAuthorities,
      ].join("\n") + "\n";
    const torrcs: string[] = [];
    for (let i = 0; i < nAuth; i++) {
      const d = join(dir, `a${i}`);
      const torrc = join(d, "torrc");
      await Deno.writeTextFile(
        torrc,
        common(`auth${i}`, d) + [
          `ORPort 127.0.0.1:${authPorts[i].or}`,
          `DirPort 127.0.0.1:${authPorts[i].dir}`,
          "AuthoritativeDirectory 1",
          "V3AuthoritativeDirectory 1",
          // Every relay Stable and Fast from the start. Otherwise, after a minute or two, only the
          // authorities earn Stable, vanguard paths can no longer be built, and every new client
          // sits at "Bootstrapped 95%" for good.
          "AuthDirVoteStableGuaranteeMinUptime 0",
          "AuthDirVoteStableGuaranteeMTBF 0",
          "AuthDirFastGuarantee 1",
          `TestingV3AuthInitialVotingInterval ${vi}`,
          "TestingV3AuthInitialVoteDelay 2",
          "TestingV3AuthInitialDistDelay 2",
          `V3AuthVotingInterval ${vi}`,
          "V3AuthVoteDelay 2",
          "V3AuthDistDelay 2",
        ].join("\n") + "\n",
      );
      torrcs.push(torrc);
      pidFiles.push(join(d, "pid"));
    }
    for (let i = 0; i < nRelay; i++) {
      const d = join(dir, `r${i}`);
      await Deno.mkdir(d, { mode: 0o700 });
      const torrc = join(d, "torrc");
      await Deno.writeTextFile(
        torrc,
        common(`relay${i}`, d) + `ORPort 127.0.0.1:${relayPorts[i]}\n`,
      );
      torrcs.push(torrc);
      pidFiles.push(join(d, "pid"));
    }
    registerUnload(network);
    for (const [i, torrc] of torrcs.entries()) {
      startedPidFiles.push(pidFiles[i]);
      await run(torBin, ["-f", torrc, "--quiet"]);
      // The daemonised tor writes its PidFile shortly after the launcher returns.
      network.pids.push(await readPid(pidFiles[i], 10_000));
    }

    // 3. Wait until the consensus lists every relay: a client that starts on a partial consensus
    //    can stall for 20-40 s before refetching.
    const want = nAuth + nRelay;
    const deadline = Date.now() + (options.consensusTimeoutMs ?? 180_000);
    while (true) {
      if ((await countConsensusRelays(network.dirPort)) >= want) break;
      if (Date.now() > deadline) throw new Error("Private Tor network: no full consensus in time");
      await new Promise((r) => setTimeout(r, 500));
    }
    network.consensusSeconds = (performance.now() - started) / 1000;
    await Deno.writeTextFile(join(dir, "torrc-extra"), network.torrcLines);
    await Deno.writeTextFile(
      join(dir, "network.json"),
      JSON.stringify({
        torrcLines: network.torrcLines,
        dirPort: network.dirPort,
        pids: network.pids,
        consensusSeconds: network.consensusSeconds,
      }),
    );
    return network;
  } catch (err) {
    await network.stop();
    throw err;
  }
}

/**
 * Starts a node's own tor joined to `network` (as `legion listen --torrc-extra` would) and waits
 * for it to bootstrap. On a loaded machine a fresh client occasionally sits at 95% ("Establishing a
 * Tor circuit") for minutes; one retry with a clean data dir clears it, and is logged.
 */
export async function startNodeTor(
  network: TorNetwork,
  dataDir: string,
  options: { bootstrapTimeoutMs?: number; attempts?: number } = {},
): Promise<TorInstance> {
  const attempts = options.attempts ?? 3;
  for (let attempt = 1;; attempt++) {
    try {
      return await launchTor({
        dataDir,
        extraTorrc: network.torrcLines,
        bootstrapTimeoutMs: options.bootstrapTimeoutMs ?? 60_000,
      });
    } catch (err) {
      const health = await describeHealth(network);
      if (attempt >= attempts) {
        throw new Error(`${(err as Error).message}; network: ${health}`, { cause: err });
      }
      console.error(
        `tor_network: node tor in ${dataDir} failed (${(err as Error).message}; ` +
          `network: ${health}); retrying`,
      );
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  }
}

/** One line on the network's state, for failure messages: live processes and consensus size. */
export async function describeHealth(network: TorNetwork): Promise<string> {
  const alive = network.pids.filter(isAlive).length;
  const relays = await countConsensusRelays(network.dirPort);
  return `${alive}/${network.pids.length} tor processes alive, ${relays} relays in the consensus`;
}

let shared: Promise<TorNetwork> | undefined;

/** One network per test process, started on first use; stopped when the process unloads. */
export function sharedTorNetwork(): Promise<TorNetwork> {
  const external = Deno.env.get("LEGION_TEST_TOR_NETWORK");
  shared ??= external ? attachTorNetwork(external) : startTorNetwork();
  return shared;
}

/** Uses a network another process started in `dir`; `stop()` does nothing. */
export async function attachTorNetwork(dir: string): Promise<TorNetwork> {
  const info = JSON.parse(await Deno.readTextFile(join(dir, "network.json")));
  const network: TorNetwork = {
    dir,
    torrcLines: info.torrcLines,
    dirPort: info.dirPort,
    pids: info.pids,
    consensusSeconds: info.consensusSeconds,
    owned: false,
    stop: () => Promise.resolve(),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
  if (!network.pids.every(isAlive)) throw new Error(`The Tor network in ${dir} is not running`);
  return network;
}

/** Stops the shared network now (idempotent); tests call it from their last step. */
export async function stopSharedTorNetwork(): Promise<void> {
  if (!shared) return;
  const network = await shared.catch(() => undefined);
  shared = undefined;
  await network?.stop();
}

/** Number of `r ` lines in the authority's current microdescriptor consensus (0 if none yet). */
export async function countConsensusRelays(dirPort: number): Promise<number> {
  try {
    const response = await fetch(
      `http://127.0.0.1:${dirPort}/tor/status-vote/current/consensus-microdesc`,
      // Plain text: tor would otherwise pick a compression fetch() may not decode.
      { signal: AbortSignal.timeout(2_000), headers: { "accept-encoding": "identity" } },
    );
    const text = await response.text();
    if (!response.ok) return 0;
    return text.split("\n").filter((line) => line.startsWith("r ")).length;
  } catch {
    return 0;
  }
}

/** True while a process with this PID exists. */
export function isAlive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

const unloadRegistered = new Set<TorNetwork>();

function registerUnload(network: TorNetwork): void {
  if (unloadRegistered.size === 0) {
    globalThis.addEventListener("unload", () => {
      for (const net of unloadRegistered) {
        killSync(net.pids, "SIGKILL");
        try {
          Deno.removeSync(net.dir, { recursive: true });
        } catch {
          // best effort: a killed tor may still be releasing files
        }
      }
    });
  }
  unloadRegistered.add(network);
}

async function stopNetwork(network: TorNetwork, pidFiles: string[]): Promise<void> {
  unloadRegistered.delete(network);
  const pids = [...network.pids];
  for (const pidFile of pidFiles) {
    const pid = await readPid(pidFile, 2_000).catch(() => 0);
    if (pid > 0 && !pids.includes(pid)) pids.push(pid);
  }
  killSync(pids, "SIGTERM");
  const deadline = Date.now() + 5_000;
  while (pids.some(isAlive) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  killSync(pids.filter(isAlive), "SIGKILL");
  await Deno.remove(network.dir, { recursive: true }).catch(() => {});
}

async function readPid(pidFile: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const pid = Number((await Deno.readTextFile(pidFile).catch(() => "")).trim());
    if (pid > 0) return pid;
    if (Date.now() > deadline) throw new Error(`No PID in ${pidFile}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function killSync(pids: number[], signal: Deno.Signal): void {
  for (const pid of pids) {
    try {
      Deno.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

async function run(cmd: string, args: string[], stdin?: string): Promise<void> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  if (code !== 0) {
    const text = new TextDecoder().decode(stderr) || new TextDecoder().decode(stdout);
    throw new Error(`${cmd} failed (${code}): ${text.slice(-500)}`);
  }
}

if (import.meta.main) {
  const network = await startTorNetwork();
  console.log(`LEGION_TEST_TOR_NETWORK=${network.dir}`);
  console.log(`# torrc lines for a node: ${join(network.dir, "torrc-extra")}`);
  console.log(`# full consensus after ${network.consensusSeconds.toFixed(1)} s; Ctrl-C stops it`);
  await new Promise<void>((resolve) => {
    Deno.addSignalListener("SIGINT", resolve);
    Deno.addSignalListener("SIGTERM", resolve);
  });
  await network.stop();
  Deno.exit(0);
}
