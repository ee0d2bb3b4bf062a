/**
 * The one guarded way `panic` and `init --force` destroy a data dir: refuse anything that is not
 * provably a Legion home (src/store/home_guard.ts) before touching it, stop the tor processes that
 * point into it, then wipe it (src/store/wipe.ts).
 */
import type { Invocation } from "../cli/invocation.ts";
import { checkHome, HomeGuardError } from "../store/home_guard.ts";
import { wipeDataDir, type WipeReport } from "../store/wipe.ts";
import { stopProcess, torProcessesUsingDir } from "../node/processes.ts";
import { runningNode } from "../node/node_lock.ts";
import { LegionError } from "../errors.ts";

/** Copies a wipe of the data dir cannot reach; panic reminds the user of them. */
export const BEYOND_REACH: readonly string[] = [
  "the recovery phrase file written by init --phrase-out",
  "exported contact cards",
  "passphrase files (--passphrase-file)",
  "shell history",
];

/**
 * What is at `inv.home`: `"absent"` or `"empty"` (nothing to destroy) or `"home"` (a Legion home).
 *
 * @throws {HomeGuardError} (exit 78) for an explicitly empty `--home` or `$LEGION_HOME` (a script's
 * unset variable must not fall back to the default home), and for anything that is not provably a
 * Legion home: `/`, the user's home or working directory or their ancestors, a symlink, a
 * directory holding anything Legion never writes, or one without a Legion database.
 */
export function guardHome(inv: Invocation): "absent" | "empty" | "home" {
  const explicit = inv.globals.home ?? inv.ctx.env.LEGION_HOME;
  if (explicit !== undefined && explicit.trim() === "") {
    const source = inv.globals.home !== undefined ? "--home" : "$LEGION_HOME";
    throw new HomeGuardError("empty_path", `Refusing to destroy data: ${source} is empty`, {
      hint: "pass the data dir explicitly, or leave the option out to use the default",
    });
  }
  return checkHome(inv.home, { userHome: inv.ctx.userHome, cwd: inv.ctx.cwd });
}

export interface DestroyReport extends WipeReport {
  stoppedProcesses: number;
}

/**
 * Stops the tor processes whose command line points into `home`, then wipes it (re-checking that
 * it is a Legion home); failures are collected, never thrown. Stop the node itself first.
 */
export async function destroyHome(
  home: string,
  keep?: (name: string) => boolean,
): Promise<DestroyReport> {
  let stopped = 0;
  const failures: string[] = [];
  for (const pid of torProcessesUsingDir(home)) {
    (await stopProcess(pid)) ? stopped++ : failures.push(`process ${pid} did not stop`);
  }
  const report = wipeDataDir(home, { keep });
  return { ...report, failures: [...failures, ...report.failures], stoppedProcesses: stopped };
}

/**
 * Refuses (78) while a node serves `home`: it holds the old identity unlocked and keeps writing it,
 * so replacing the identity under it would leave two.
 */
export function refuseWhileNodeRuns(home: string, action: string): void {
  const node = runningNode(home);
  if (node === undefined) return;
  const pid = node.pid ?? "?";
  throw new LegionError("config", `A node is running for this data dir (process ${pid})`, {
    hint: `stop it first (SIGTERM to process ${pid}, or Ctrl-C in \`legion listen\`), then ` +
      `${action}; or \`legion panic\` to destroy everything`,
  });
}
