/**
 * Tor for a Legion node: either a tor process Legion spawns and owns, or an existing tor reached
 * through its control port ("attach").
 *
 * A spawned tor keeps its DataDirectory inside the Legion data dir (mode 0700), listens on free
 * loopback ports chosen by tor itself (`auto`, read back through `ControlPortWriteToFile` and
 * `GETINFO net/listeners/socks`, so no port race), authenticates controllers by SAFECOOKIE with a
 * cookie file Legion names in that directory (never one the port names), loads no
 * GeoIP files, and exits with its owner: Legion takes ownership over the control connection and
 * names its own PID in `__OwningControllerProcess`, so even a crashed Legion leaves no tor behind.
 * `stop()` signals that one PID, never anything found by name.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { TorControl } from "./control_client.ts";
import { parseKeyValues, readQuoted } from "./control_reply.ts";
import { assertLocalControl, parsePortAddress, type PortAddress } from "./address.ts";
import { localTrustedUids } from "./cookie_file.ts";
import { controlPortOwners } from "./control_owner.ts";
import { TransportError } from "./transport_error.ts";

export interface TorInstance {
  /** An authenticated control connection. */
  control: TorControl;
  /** Where to dial SOCKS5. */
  socks: PortAddress;
  /** Where the control port is (for another controller to attach). */
  controlAddress: PortAddress;
  /** PID of the tor Legion spawned; `undefined` when attached to an existing tor. */
  pid?: number;
  /** Closes the control connection and, for a spawned tor, stops that process. Idempotent. */
  stop(): Promise<void>;
}

export interface BootstrapProgress {
  percent: number;
  summary: string;
}

export interface LaunchTorOptions {
  /** Tor's DataDirectory; created with mode 0700. */
  dataDir: string;
  /** The tor executable (default `tor` on PATH). */
  torBin?: string;
  /** Extra torrc lines appended after Legion's own (e.g. to join a private network). */
  extraTorrc?: string;
  /** How long to wait for `Bootstrapped 100%` (default 180 s). */
  bootstrapTimeoutMs?: number;
  onProgress?: (progress: BootstrapProgress) => void;
}

export const DEFAULT_BOOTSTRAP_TIMEOUT_MS = 180_000;
const POLL_MS = 200;

/** The torrc Legion writes for its own tor (before any extra lines). */
export function baseTorrc(dataDir: string, ownerPid: number): string {
  return [
    `DataDirectory ${torrcQuote(dataDir)}`,
    `PidFile ${torrcQuote(join(dataDir, "pid"))}`,
    "SocksPort 127.0.0.1:auto",
    "ControlPort 127.0.0.1:auto",
    `ControlPortWriteToFile ${torrcQuote(join(dataDir, "control_port"))}`,
    "CookieAuthentication 1",
    `CookieAuthFile ${torrcQuote(cookiePath(dataDir))}`,
    "GeoIPFile /dev/null",
    "GeoIPv6File /dev/null",
    "Log notice stdout",
    "SafeLogging 1",
    `__OwningControllerProcess ${ownerPid}`,
    "",
  ].join("\n");
}

/**
 * Spawns tor and waits until it has bootstrapped.
 * @throws {TransportError} `tor_unavailable` when tor cannot start, exits, or does not bootstrap in time
 */
export async function launchTor(options: LaunchTorOptions): Promise<TorInstance> {
  const { dataDir } = options;
  const torBin = options.torBin ?? "tor";
  const deadline = Date.now() + (options.bootstrapTimeoutMs ?? DEFAULT_BOOTSTRAP_TIMEOUT_MS);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const portFile = join(dataDir, "control_port");
  rmSync(portFile, { force: true });
  const torrcPath = join(dataDir, "torrc");
  writeFileSync(torrcPath, baseTorrc(dataDir, process.pid) + (options.extraTorrc ?? "") + "\n", {
    mode: 0o600,
  });

  const child = spawn(torBin, ["-f", torrcPath, "--defaults-torrc", "/dev/null"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: torEnvironment(process.env),
  });
  const log = new LogTail();
  child.stdout!.setEncoding("utf8").on("data", (text: string) => log.push(text));
  child.stderr!.setEncoding("utf8").on("data", (text: string) => log.push(text));
  const exited = new Promise<string>((resolve) => {
    child.once("error", (err) => resolve(`cannot run ${torBin}: ${err.message}`));
    child.once("exit", (code, signal) => resolve(`tor exited (${signal ?? code})`));
  });
  let exitReason: string | undefined;
  exited.then((reason) => exitReason = reason);

  let control: TorControl | undefined;
  const stop = once(async () => {
    await control?.close().catch(() => {});
    await stopChild(child);
  });
  try {
    const wait = async <T>(what: string, poll: () => Promise<T | undefined>): Promise<T> => {
      while (true) {
        if (exitReason !== undefined) throw startFailure(exitReason, log, torBin);
        const value = await poll();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw timeoutFailure(what, log);
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    };
    const controlAddress = await wait(
      "open its control port",
      () => Promise.resolve(readPortFile(portFile)),
    );
    control = await TorControl.connect(controlAddress);
    // The cookie is named by us, in our 0700 DataDirectory: not whatever PROTOCOLINFO names.
    await control.authenticate({ cookieFile: cookiePath(dataDir), trusted: localTrustedUids() });
    await control.takeOwnership();
    let last = -1;
    await wait("bootstrap", async () => {
      const progress = await bootstrapPhase(control!);
      if (progress.percent !== last) {
        last = progress.percent;
        options.onProgress?.(progress);
      }
      log.progress = progress;
      return progress.percent >= 100 ? true : undefined;
    });
    const socks = await socksAddress(control);
    return { control, socks, controlAddress, pid: child.pid, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Connects to an existing tor's control port — a unix socket or a loopback port — and
 * authenticates by password or SAFECOOKIE (control_auth.ts; never NULL or plain COOKIE).
 * `cookieFile` is a cookie the user named (`--tor-cookie`). `stop()` only closes Legion's
 * connection; that tor keeps running.
 * @throws {TransportError} `tor_unavailable` when the port is unreachable or refused
 */
export async function attachTor(options: {
  control: PortAddress;
  socks?: PortAddress;
  password?: string;
  cookieFile?: string;
}): Promise<TorInstance> {
  const address = assertLocalControl(options.control);
  const control = await TorControl.connect(address);
  try {
    await control.authenticate({
      password: options.password,
      cookieFile: options.cookieFile,
      trusted: localTrustedUids(),
      listenerOwners: options.password === undefined ? undefined : await controlPortOwners(address),
    });
    const socks = options.socks ?? await socksAddress(control);
    return {
      control,
      socks,
      controlAddress: address,
      stop: once(() => control.close().catch(() => {})),
    };
  } catch (err) {
    await control.close();
    throw err;
  }
}

/** Parses `GETINFO status/bootstrap-phase` (`NOTICE BOOTSTRAP PROGRESS=45 TAG=… SUMMARY="…"`). */
export async function bootstrapPhase(control: TorControl): Promise<BootstrapProgress> {
  const text = (await control.getInfo("status/bootstrap-phase"))["status/bootstrap-phase"] ?? "";
  const fields = parseKeyValues(text);
  return { percent: Number(fields.PROGRESS ?? 0), summary: fields.SUMMARY ?? "" };
}

async function socksAddress(control: TorControl): Promise<PortAddress> {
  const value = (await control.getInfo("net/listeners/socks"))["net/listeners/socks"] ?? "";
  const first = value.trim().startsWith('"') ? readQuoted(value.trim(), 0).value : value.trim();
  if (!first) {
    throw new TransportError("tor_unavailable", "Tor has no SocksPort", {
      hint: "enable a SocksPort, or pass --tor-socks ADDR",
    });
  }
  return parsePortAddress(first, "SOCKS");
}

/** `ControlPortWriteToFile` writes `PORT=127.0.0.1:41234` (or `UNIX_PORT=/path`). */
function readPortFile(path: string): PortAddress | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, "utf8");
  const match = /^PORT=(\S+)$/m.exec(text);
  return match ? parsePortAddress(match[1], "control") : undefined;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

function startFailure(reason: string, log: LogTail, torBin: string): TransportError {
  const notFound = reason.includes("ENOENT");
  return new TransportError(
    "tor_unavailable",
    notFound
      ? `Cannot run tor: ${torBin} not found`
      : `Tor failed to start: ${log.lastProblem() ?? reason}`,
    {
      hint: notFound
        ? "install tor (apt-get install tor) or pass --tor-bin PATH"
        : "check --torrc-extra and the tor log above",
    },
  );
}

function timeoutFailure(what: string, log: LogTail): TransportError {
  const at = log.progress ? ` (stuck at ${log.progress.percent}%: ${log.progress.summary})` : "";
  return new TransportError("tor_timeout", `Tor did not ${what} in time${at}`, {
    hint: "check the network, or raise --tor-timeout",
  });
}

/** Remembers the last lines tor printed, to explain a failure. */
class LogTail {
  #lines: string[] = [];
  #partial = "";
  progress: BootstrapProgress | undefined;

  push(text: string): void {
    const lines = (this.#partial + text).split("\n");
    this.#partial = lines.pop() ?? "";
    this.#lines.push(...lines.filter((l) => l.trim() !== ""));
    if (this.#lines.length > 40) this.#lines.splice(0, this.#lines.length - 40);
  }

  /**
   * The line that explains a failed start, without tor's timestamp: the last warning (tor's final
   * `[err]` usually just says "see warnings above"), else the last error.
   */
  lastProblem(): string | undefined {
    const reversed = [...this.#lines].reverse();
    const line = reversed.find((l) => l.includes("[warn]")) ??
      reversed.find((l) => l.includes("[err]"));
    return line?.replace(/^.*?\[(err|warn)\]\s*/, "").trim();
  }
}

/** Where Legion's own tor writes its control cookie (CookieAuthFile). */
function cookiePath(dataDir: string): string {
  return join(dataDir, "control_auth_cookie");
}

function torrcQuote(value: string): string {
  return '"' + value.replace(/[\\"]/g, (c) => "\\" + c) + '"';
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let promise: Promise<void> | undefined;
  return () => promise ??= fn();
}

/** Tor's environment: ours minus Legion's own variables, so no passphrase reaches another process. */
export function torEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !key.startsWith("LEGION_")) out[key] = value;
  }
  return out;
}
