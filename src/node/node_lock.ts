/**
 * One node per data dir: `legion listen` holds an exclusive kernel lock (flock) on `node.lock`
 * for its whole life, taken before anything else, so of two nodes started at the same moment
 * exactly one gets it. The kernel releases it when the process dies, however it dies: no stale
 * lock. The file holds the holder's PID and start time (as `node.pid` does), written after the
 * lock is taken; it is never truncated before, and never deleted by a node (a process that had it
 * open would then lock a file nobody else sees).
 *
 * This is the only module using Deno's file-lock API. The single binary is built by Bun, which has
 * no file lock: there the lock file names its holder and is taken by an atomic rename, then read
 * back (a weaker check: two starts within the same instant may both pass it).
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import process from "node:process";
import { homeLayout } from "../store/layout.ts";
import { pathExists } from "../store/path_exists.ts";
import { livePidIn, pidLine, processStartTime, runningNodePid } from "./processes.ts";

/** Deno's namespace, absent inside the Bun-built binary. */
const deno = (globalThis as { Deno?: typeof Deno }).Deno;

export interface NodeLock {
  /** Releases the lock (the file stays). Idempotent. */
  release(): void;
}

/**
 * Takes the data dir's node lock; `"held"` when another process holds it, `"absent"` when the data
 * dir does not exist (there is nothing to run).
 */
export function takeNodeLock(home: string): NodeLock | "held" | "absent" {
  if (!deno) return takeNamedLock(home);
  let file: Deno.FsFile;
  try {
    file = deno.openSync(homeLayout(home).lockFile, {
      read: true,
      write: true,
      create: true,
      mode: 0o600,
    });
  } catch (err) {
    if (err instanceof deno.errors.NotFound) return "absent";
    throw err;
  }
  if (!file.tryLockSync(true)) {
    file.close();
    return "held";
  }
  file.truncateSync(0);
  file.writeSync(new TextEncoder().encode(pidLine()));
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      file.unlockSync();
      file.close();
    },
  };
}

/**
 * Who holds the node lock of `home`: `undefined` when nobody does; otherwise the holder's PID when
 * the file names a live process with the recorded start time (`pid` is absent in the moment
 * between a node taking the lock and writing its PID).
 */
export function nodeLockHolder(home: string): { pid?: number } | undefined {
  if (!deno) return namedHolder(home);
  let file: Deno.FsFile;
  try {
    file = deno.openSync(homeLayout(home).lockFile, { read: true });
  } catch {
    return undefined;
  }
  try {
    // A shared lock is granted only while nobody holds the exclusive one.
    if (file.tryLockSync(false)) {
      file.unlockSync();
      return undefined;
    }
    const [pidText, start] = new TextDecoder().decode(readAll(file)).trim().split(" ");
    const pid = Number(pidText);
    // This process's own lock (flock conflicts between two descriptors of one process too).
    if (pid === process.pid) return undefined;
    const live = Number.isInteger(pid) && pid > 1 && processStartTime(pid) === start;
    return live ? { pid } : {};
  } finally {
    file.close();
  }
}

/**
 * The node running for `home`: the lock holder, else (a node of an older version, without the
 * lock) the live process named by `node.pid`. `pid` is absent only for a node that is starting.
 */
export function runningNode(home: string): { pid?: number } | undefined {
  const holder = nodeLockHolder(home);
  if (holder?.pid !== undefined) return holder;
  const pid = runningNodePid(home);
  return pid !== undefined ? { pid } : holder;
}

function readAll(file: Deno.FsFile): Uint8Array {
  const buffer = new Uint8Array(64);
  const n = file.readSync(buffer) ?? 0;
  return buffer.subarray(0, n);
}

/** A live process other than this one named by the lock file, if any. */
function namedHolder(home: string): { pid: number } | undefined {
  const pid = livePidIn(homeLayout(home).lockFile);
  return pid === undefined ? undefined : { pid };
}

/** Without a file lock (the Bun binary): claim the file by an atomic rename, then read it back. */
function takeNamedLock(home: string): NodeLock | "held" | "absent" {
  const { lockFile } = homeLayout(home);
  if (!pathExists(home)) return "absent";
  if (namedHolder(home)) return "held";
  const temp = `${lockFile}.${process.pid}`;
  writeFileSync(temp, pidLine(), { mode: 0o600 });
  renameSync(temp, lockFile);
  if (readFileSync(lockFile, "utf8") !== pidLine()) return "held";
  return { release() {} };
}
