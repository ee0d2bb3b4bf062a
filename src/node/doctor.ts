/**
 * `legion doctor`'s checks: tor, the data dir, the database, a running node and the clock. Each
 * says what it found and, when something is wrong, what to do. Nothing here asks for the
 * passphrase, authenticates to tor beyond PROTOCOLINFO, or changes anything.
 */
import { execFile } from "node:child_process";
import { existsSync, lstatSync, readdirSync, type Stats } from "node:fs";
import { createConnection } from "node:net";
import process from "node:process";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { homeLayout } from "../store/layout.ts";
import { MIGRATIONS } from "../store/migrations.ts";
import {
  assertLocalControl,
  formatPortAddress,
  parsePortAddress,
  type PortAddress,
} from "../transport/address.ts";
import { TorControl } from "../transport/control_client.ts";
import { AgentClient } from "./agent_client.ts";
import { runningNodePid } from "./processes.ts";

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  hint?: string;
}

export interface DoctorOptions {
  home: string;
  now: number;
  torBin?: string;
  torControl?: string;
  torSocks?: string;
}

/** The oldest tor Legion supports (onion service v3 client auth and the control replies it reads). */
export const MIN_TOR_VERSION = [0, 4, 8] as const;
/** A clock before this is certainly wrong (Legion did not exist). */
export const MIN_SANE_YEAR = 2025;

const TIMEOUT_MS = 5_000;

export async function runChecks(options: DoctorOptions): Promise<CheckResult[]> {
  const home = homeCheck(options.home);
  return [
    await torCheck(options),
    home,
    ...(existsSync(homeLayout(options.home).database) ? [databaseCheck(options.home)] : []),
    await nodeCheck(options.home),
    clockCheck(options.now),
  ];
}

/** Parses `0.4.9.11` (or `Tor version 0.4.9.11.`) into numbers; `undefined` if there is none. */
export function parseTorVersion(text: string): number[] | undefined {
  const match = /(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return match ? match.slice(1).filter((n) => n !== undefined).map(Number) : undefined;
}

export function versionAtLeast(version: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < min.length; i++) {
    const v = version[i] ?? 0;
    if (v !== min[i]) return v > min[i];
  }
  return true;
}

async function torCheck(options: DoctorOptions): Promise<CheckResult> {
  const min = MIN_TOR_VERSION.join(".");
  if (options.torControl) return await attachedTorCheck(options.torControl, options.torSocks);
  const bin = options.torBin ?? "tor";
  let output: string;
  try {
    output = await run(bin, ["--version"]);
  } catch (err) {
    return {
      name: "tor",
      ok: false,
      detail: `cannot run ${bin}: ${(err as Error).message}`,
      hint: options.torBin
        ? "check the path given with --tor-bin"
        : "install tor (Debian: apt-get install tor) or pass --tor-bin PATH",
    };
  }
  const version = parseTorVersion(output);
  if (!version || !versionAtLeast(version, MIN_TOR_VERSION)) {
    return {
      name: "tor",
      ok: false,
      detail: `${bin} is version ${version?.join(".") ?? "unknown"}, older than ${min}`,
      hint: `install tor ${min} or newer (Debian bookworm-backports or the Tor Project's packages)`,
    };
  }
  return { name: "tor", ok: true, detail: `${bin} is version ${version.join(".")}` };
}

async function attachedTorCheck(controlText: string, socksText?: string): Promise<CheckResult> {
  const min = MIN_TOR_VERSION.join(".");
  let address: PortAddress;
  try {
    address = assertLocalControl(parsePortAddress(controlText, "--tor-control"));
  } catch (err) {
    return { name: "tor", ok: false, detail: (err as Error).message, hint: hintOf(err) };
  }
  let torVersion: string | undefined;
  try {
    const control = await TorControl.connect(address, { timeoutMs: TIMEOUT_MS });
    try {
      torVersion = (await control.protocolInfo()).torVersion;
    } finally {
      await control.close();
    }
  } catch (err) {
    return {
      name: "tor",
      ok: false,
      detail: (err as Error).message,
      hint: "start tor with that ControlPort, or fix --tor-control / LEGION_TOR_CONTROL",
    };
  }
  const version = torVersion ? parseTorVersion(torVersion) : undefined;
  const where = `tor at ${formatPortAddress(address)}`;
  if (!version || !versionAtLeast(version, MIN_TOR_VERSION)) {
    return {
      name: "tor",
      ok: false,
      detail: `${where} is version ${torVersion ?? "unknown"}, older than ${min}`,
      hint: `upgrade that tor to ${min} or newer`,
    };
  }
  if (socksText) {
    try {
      const socks = parsePortAddress(socksText, "--tor-socks");
      await reachable(socks);
    } catch (err) {
      return {
        name: "tor",
        ok: false,
        detail: `${where} answers, but its SocksPort ${socksText} does not: ` +
          (err as Error).message,
        hint: "fix --tor-socks / LEGION_TOR_SOCKS, or leave it out to ask tor for it",
      };
    }
  }
  return { name: "tor", ok: true, detail: `${where} answers PROTOCOLINFO, version ${torVersion}` };
}

function homeCheck(home: string): CheckResult {
  const problems: string[] = [];
  let stat: Stats;
  try {
    stat = lstatSync(home);
  } catch {
    return {
      name: "home",
      ok: false,
      detail: `${home} does not exist`,
      hint: "run `legion init`, or pass --home DIR (or set LEGION_HOME)",
    };
  }
  if (!stat.isDirectory()) {
    return {
      name: "home",
      ok: false,
      detail: `${home} is not a directory`,
      hint: "pass --home DIR",
    };
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) problems.push(`${home} is owned by uid ${stat.uid}`);
  if ((stat.mode & 0o777) !== 0o700) problems.push(`${home} has mode ${mode(stat)}`);
  for (const entry of readdirSync(home)) {
    const path = join(home, entry);
    const s = lstatSync(path);
    const want = s.isDirectory() ? 0o700 : 0o600;
    if (uid !== undefined && s.uid !== uid) problems.push(`${entry} is owned by uid ${s.uid}`);
    if ((s.mode & 0o777 & ~want) !== 0) problems.push(`${entry} has mode ${mode(s)}`);
  }
  if (problems.length > 0) {
    return {
      name: "home",
      ok: false,
      detail: problems.join("; "),
      hint: `chmod 700 ${home} && chmod 600 ${home}/legion.db*, and chown them to yourself`,
    };
  }
  if (!existsSync(homeLayout(home).database)) {
    return {
      name: "home",
      ok: false,
      detail: `${home} holds no identity`,
      hint: "run `legion init`, or pass --home DIR",
    };
  }
  return { name: "home", ok: true, detail: `${home}: mode 0700, files 0600, owned by you` };
}

function databaseCheck(home: string): CheckResult {
  const path = homeLayout(home).database;
  const latest = MIGRATIONS.at(-1)?.version ?? 0;
  let db: DatabaseSync | undefined;
  try {
    // Read-only: the doctor changes nothing (the bundled @types/node predates this option).
    db = new DatabaseSync(
      path,
      { readOnly: true } as ConstructorParameters<typeof DatabaseSync>[1],
    );
    const rows = db.prepare("PRAGMA quick_check").all() as Array<Record<string, unknown>>;
    const result = rows.map((row) => String(Object.values(row)[0])).join("; ");
    const version = Number(
      (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
    );
    if (result !== "ok") {
      return {
        name: "database",
        ok: false,
        detail: `quick_check: ${result}`,
        hint: "restore from a backup, or recreate the identity with `legion init --restore`",
      };
    }
    if (version > latest) {
      return {
        name: "database",
        ok: false,
        detail: `schema version ${version} is newer than this legion's ${latest}`,
        hint: "upgrade legion",
      };
    }
    const note = version < latest ? ` (migrates to ${latest} when next unlocked)` : "";
    return {
      name: "database",
      ok: true,
      detail: `quick_check ok, schema version ${version}${note}`,
    };
  } catch (err) {
    return {
      name: "database",
      ok: false,
      detail: `cannot read ${path}: ${(err as Error).message}`,
      hint: "check the file's owner and mode; restore it from a backup if it is damaged",
    };
  } finally {
    db?.close();
  }
}

async function nodeCheck(home: string): Promise<CheckResult> {
  const layout = homeLayout(home);
  const pid = runningNodePid(home);
  if (pid === undefined) {
    if (existsSync(layout.pidFile) || existsSync(layout.agentSocket)) {
      return {
        name: "node",
        ok: false,
        detail: "a node.pid or agent.sock is left from a node that is no longer running",
        hint: "start the node again with `legion listen` (it replaces them)",
      };
    }
    return {
      name: "node",
      ok: true,
      detail: "no node running (commands unlock the store themselves)",
      hint: "run `legion listen` to receive messages and serve commands without the passphrase",
    };
  }
  const client = await AgentClient.connect(home);
  if (!client) {
    return {
      name: "node",
      ok: false,
      detail: `node ${pid} runs but its agent socket does not answer`,
      hint: "stop it (kill " + pid + ") and start `legion listen` again",
    };
  }
  try {
    const who = await withTimeout(client.call("whoami", {}), TIMEOUT_MS);
    return { name: "node", ok: true, detail: `node ${pid} answers as ${who.onion}` };
  } catch (err) {
    return {
      name: "node",
      ok: false,
      detail: `node ${pid} did not answer: ${(err as Error).message}`,
      hint: "stop it (kill " + pid + ") and start `legion listen` again",
    };
  } finally {
    client.close();
  }
}

function clockCheck(now: number): CheckResult {
  const date = new Date(now);
  if (!Number.isFinite(now) || date.getUTCFullYear() < MIN_SANE_YEAR) {
    return {
      name: "clock",
      ok: false,
      detail: `the clock says ${Number.isFinite(now) ? date.toISOString() : "nothing"}`,
      hint: "set the system clock (e.g. enable NTP): cards, messages and tor need the right time",
    };
  }
  return { name: "clock", ok: true, detail: date.toISOString() };
}

function mode(stat: Stats): string {
  return "0" + (stat.mode & 0o777).toString(8);
}

function hintOf(err: unknown): string | undefined {
  return (err as { hint?: string }).hint;
}

function run(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: TIMEOUT_MS }, (err, stdout) => {
      if (err) reject(err);
      else resolve(String(stdout));
    });
  });
}

function reachable(address: PortAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = "path" in address
      ? createConnection({ path: address.path })
      : createConnection({ host: address.host, port: address.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("no answer"));
    }, TIMEOUT_MS);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("timed out")), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
