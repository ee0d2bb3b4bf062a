/**
 * Entry point: the only place that reads the process's arguments and environment and sets its exit
 * code. Everything else receives a Context.
 */
import process from "node:process";
import { homedir } from "node:os";
import type { Context } from "./src/cli/context.ts";
import { watchOutput } from "./src/cli/closed_output.ts";
import { runCli } from "./src/cli/program.ts";
import { COMMANDS } from "./src/commands/mod.ts";

let outputFailed = false;
const stdoutClosed = watchOutput(process.stdout, (err) => {
  outputFailed = true;
  process.stderr.write(`legion: error: cannot write the output: ${err.message}\n`);
});
// Diagnostics that cannot be written have nowhere else to go.
watchOutput(process.stderr, () => {});

const ctx: Context = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  now: () => Date.now(),
  cwd: process.cwd(),
  userHome: homedir(),
  stdoutClosed,
};

const code = await runCli(ctx, process.argv.slice(2), COMMANDS);
process.exitCode = outputFailed && code === 0 ? 1 : code;
