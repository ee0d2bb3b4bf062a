/**
 * `legion panic`: destroys everything local — stops the running node and its tor, then wipes the
 * data dir (see src/store/wipe.ts). The vault key file is overwritten first, before anything else
 * (src/store/key_file.ts). Needs no passphrase. `--if-unused-for DUR` is the dead-man
 * switch for cron: it wipes only when the identity has not been unlocked for that long.
 *
 * It destroys only a directory that is provably a Legion home (src/commands/_destroy_home.ts):
 * anything else is refused with exit 78 before a process is stopped or a byte is touched.
 */
import { performance } from "node:perf_hooks";
import type { Command } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { formatDuration, parseDuration } from "../cli/duration.ts";
import { unusedFor } from "../store/usage.ts";
import { processStartTime, stopProcess } from "../node/processes.ts";
import { runningNode } from "../node/node_lock.ts";
import { scrambleKeyFile } from "../store/key_file.ts";
import { keyFilePath } from "../store/layout.ts";
import { AgentClient } from "../node/agent_client.ts";
import { LegionError } from "../errors.ts";
import { BEYOND_REACH, destroyHome, guardHome } from "./_destroy_home.ts";

interface PanicOptions {
  yes?: boolean;
  ifUnusedFor?: string;
}

export function registerPanic(program: Command, run: ActionRunner): void {
  program.command("panic")
    .description("destroy all local data now: identity, messages, contacts, queue, tor state")
    .option("--yes", "do not ask for confirmation")
    .option("--if-unused-for <duration>", "dead-man switch: wipe only if not unlocked for DURATION")
    .addHelpText("after", "\nExample (cron, daily):\n  legion panic --if-unused-for 30d\n")
    .action(run(panic));
}

async function panic(inv: Invocation, options: PanicOptions): Promise<void> {
  const { ctx, out, home } = inv;
  const limit = options.ifUnusedFor === undefined
    ? undefined
    : parseDuration(options.ifUnusedFor, "--if-unused-for");
  const found = guardHome(inv);
  if (limit !== undefined) {
    const unused = found === "home" ? unusedFor(home, ctx.now()) : undefined;
    if (unused === undefined || unused < limit) {
      out.result(
        { type: "panic", wiped: false, home, unusedMs: unused ?? null },
        unused === undefined
          ? `nothing to wipe in ${home}`
          : `not wiped: last unlocked ${formatDuration(unused)} ago (limit ${options.ifUnusedFor})`,
      );
      return;
    }
  } else if (!options.yes) {
    await confirmWipe(inv);
  }

  if (found !== "home") {
    out.result(
      { type: "panic", wiped: false, home, unusedMs: null },
      `nothing to destroy in ${home}`,
    );
    return;
  }
  const started = performance.now();
  let stopped = 0;
  const failures: string[] = [];
  // First of all, before a process is stopped: without the key file, no copy of the wrapped vault
  // key (freed WAL blocks included) can be attacked by guessing the passphrase.
  try {
    scrambleKeyFile(keyFilePath(home));
  } catch (err) {
    failures.push(`key file: ${(err as Error).message}`);
  }
  const node = await lockHolderPid(home);
  if (node === "unknown") {
    failures.push("a node holding the data dir's lock did not name its process");
  } else if (node !== undefined) {
    // Ask the node to stop through its agent socket (it then stops its own tor), else signal it.
    if ((await askNodeToStop(home, node)) || (await stopProcess(node))) stopped++;
    else failures.push(`process ${node} did not stop`);
  }
  // Whatever tor still points into the data dir (the node's, or one left by a crash) goes next.
  const report = await destroyHome(home);
  stopped += report.stoppedProcesses;
  failures.push(...report.failures);
  const elapsedMs = Math.round(performance.now() - started);

  for (const failure of failures) out.warn(`could not destroy ${failure}`);
  out.note(`note: panic cannot reach copies elsewhere: ${BEYOND_REACH.join(", ")}`);
  out.result(
    {
      type: "panic",
      wiped: true,
      home,
      stoppedProcesses: stopped,
      tables: report.tables,
      rows: report.rows,
      files: report.files,
      bytes: report.bytes,
      directories: report.directories,
      failures,
      elapsedMs,
      beyondReach: BEYOND_REACH,
    },
    `destroyed ${home}: ${report.rows} rows in ${report.tables} tables, ${report.files} files ` +
      `(${report.bytes} bytes), ${report.directories} directories, ${stopped} processes stopped, ` +
      `in ${elapsedMs} ms`,
  );
  if (failures.length > 0) {
    throw new LegionError("internal", `Panic finished with ${failures.length} failure(s)`, {
      hint: "see the warnings above; run panic again to retry what is left",
    });
  }
}

/**
 * The PID of the node running for `home` (the holder of its node lock, or the one its PID file
 * names). A node names itself in the lock file right after taking the lock: wait a moment for it.
 */
async function lockHolderPid(home: string): Promise<number | "unknown" | undefined> {
  for (let i = 0; i < 40; i++) {
    const node = runningNode(home);
    if (node === undefined || node.pid !== undefined) return node?.pid;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return "unknown";
}

/** Asks a running node to shut down over the agent socket; true once its process has exited. */
async function askNodeToStop(home: string, pid: number): Promise<boolean> {
  const agent = await AgentClient.connect(home);
  if (!agent) return false;
  try {
    await agent.call("node.shutdown", {});
  } catch {
    return false;
  } finally {
    agent.close();
  }
  for (let i = 0; i < 100; i++) {
    if (processStartTime(pid) === undefined) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

async function confirmWipe(inv: Invocation): Promise<void> {
  const { ctx, home } = inv;
  if (!ctx.stdin.isTTY || !ctx.stderr.isTTY) {
    throw new LegionError("usage", "Refusing to destroy data without confirmation", {
      hint: "run on a terminal, or pass --yes",
    });
  }
  const { confirm } = await import("@inquirer/prompts");
  const ok = await confirm(
    { message: `Destroy everything in ${home}? This cannot be undone.`, default: false },
    { input: ctx.stdin, output: ctx.stderr },
  );
  if (!ok) throw new LegionError("usage", "Cancelled; nothing was destroyed");
}
