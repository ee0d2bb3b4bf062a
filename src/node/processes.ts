/**
 * Finding and stopping this data dir's processes without trusting names: a node records its PID
 * and start time in `node.pid`, and any process whose command line points into the data dir (its
 * own tor: `-f <home>/tor/torrc`) is found through /proc. A PID is only signalled after checking it
 * still belongs to the same process, so a recycled PID is never hit.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import process from "node:process";
import { homeLayout } from "../store/layout.ts";

/**
 * Start time of a live process in clock ticks since boot (/proc/PID/stat field 22); `undefined`
 * when there is no such process or it has already exited (a zombie).
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: split after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] === "Z" || fields[0] === "X" ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

/** This process's `PID START` line, as `node.pid` and the node lock file record it. */
export function pidLine(): string {
  return `${process.pid} ${processStartTime(process.pid) ?? "?"}\n`;
}

/**
 * The live process other than this one that the `PID START` file at `path` names (same PID, same
 * start time, so not a recycled PID); `undefined` when there is none or the file is unreadable.
 */
export function livePidIn(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const [pidText, start] = text.trim().split(" ");
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return undefined;
  return processStartTime(pid) === start ? pid : undefined;
}

/** Writes `node.pid` for the current process (0600); returns a function removing it. */
export function writePidFile(home: string): () => void {
  const path = homeLayout(home).pidFile;
  writeFileSync(path, pidLine(), { mode: 0o600 });
  return () => rmSync(path, { force: true });
}

/** The running node of `home`, if its PID file names a live process with the same start time. */
export function runningNodePid(home: string): number | undefined {
  return livePidIn(homeLayout(home).pidFile);
}

/**
 * Tor processes whose command line points inside `home` (a node's own tor, `-f <home>/tor/torrc`).
 * Only processes named `tor` qualify: a shell or editor that mentions the path is never touched.
 */
export function torProcessesUsingDir(home: string): number[] {
  const found: number[] = [];
  const needle = home.endsWith("/") ? home : home + "/";
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return found;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "tor") continue;
      const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (args.some((arg) => arg.startsWith(needle) || arg === home)) found.push(pid);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves true when the process is gone. */
export async function stopProcess(pid: number, graceMs = 3000): Promise<boolean> {
  const start = processStartTime(pid);
  if (start === undefined) return true;
  const same = () => processStartTime(pid) === start;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return !same();
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!same()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  try {
    if (same()) process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
  for (let i = 0; i < 40 && same(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  return !same();
}
