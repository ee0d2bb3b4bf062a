/**
 * Entry point: the only place that reads the process's arguments and environment and sets its exit
 * code. Everything else receives a Context.
 */
import process from "node:process";
import { homedir } from "node:os";
import type { Context } from "./src/cli/context.ts";
import { runCli } from "./src/cli/program.ts";
import { COMMANDS } from "./src/commands/mod.ts";

const ctx: Context = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  now: () => Date.now(),
  cwd: process.cwd(),
  userHome: homedir(),
};

process.exitCode = await runCli(ctx, process.argv.slice(2), COMMANDS);
