/**
 * `legion doctor`: checks tor, the data dir, the database, a running node and the clock, and says
 * what to do about each problem. Exit 0 when every check passes, 78 when one fails.
 */
import { type Command, Option } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { LegionError } from "../errors.ts";

interface DoctorCommandOptions {
  torBin?: string;
  torControl?: string;
  torSocks?: string;
}

export function registerDoctor(program: Command, run: ActionRunner): void {
  program.command("doctor")
    .description("check tor, the data dir, the database, a running node and the clock")
    .option("--tor-bin <path>", "tor executable to check (default: tor on PATH)")
    .addOption(
      new Option("--tor-control <addr>", "check a running tor's ControlPort instead (PROTOCOLINFO)")
        .env("LEGION_TOR_CONTROL"),
    )
    .addOption(
      new Option("--tor-socks <addr>", "with --tor-control: check that its SocksPort answers")
        .env("LEGION_TOR_SOCKS"),
    )
    .addHelpText(
      "after",
      '\nWith --json, one line per check: {"type":"check","name":"tor","ok":true,"detail":…,' +
        '"hint":…}.\nExit 0 when every check passes, 78 when one fails.\n',
    )
    .action(run(doctor));
}

async function doctor(inv: Invocation, options: DoctorCommandOptions): Promise<void> {
  const { runChecks } = await import("../node/doctor.ts");
  const checks = await runChecks({ home: inv.home, now: inv.now(), ...options });
  for (const check of checks) {
    const lines = [`${check.ok ? "ok  " : "FAIL"}  ${check.name.padEnd(8)} ${check.detail}`];
    if (check.hint) {
      lines.push(`      ${" ".repeat(8)} ${check.ok ? "note" : "fix"}: ${check.hint}`);
    }
    inv.out.result({ type: "check", ...check }, lines);
  }
  const failed = checks.filter((check) => !check.ok);
  if (failed.length > 0) {
    throw new LegionError(
      "config",
      `${failed.length} of ${checks.length} checks failed: ${failed.map((c) => c.name).join(", ")}`,
    );
  }
}
