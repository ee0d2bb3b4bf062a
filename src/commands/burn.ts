/**
 * `legion burn ID… | --conversation NAME`: deletes messages here (secure_delete, then the WAL is
 * checkpointed and truncated), cancels queued copies, and asks the peer to delete them too.
 */
import type { Command } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { idArgument } from "../cli/id_argument.ts";
import { LegionError } from "../errors.ts";

export function registerBurn(program: Command, run: ActionRunner): void {
  program.command("burn")
    .description("delete messages on both devices")
    .argument(
      "[ids...]",
      "message ids, or unique prefixes of 8+ hex characters (as printed by send and inbox)",
    )
    .option("--conversation <name>", "burn the whole conversation with a contact")
    .addHelpText("after", "\nExamples:\n  legion burn 3f2a1b4c\n  legion burn --conversation bob\n")
    .action(run(burn));
}

async function burn(
  inv: Invocation,
  ids: string[],
  options: { conversation?: string },
): Promise<void> {
  if ((ids.length === 0) === (options.conversation === undefined)) {
    throw new LegionError("usage", "Give message ids or --conversation NAME (not both)");
  }
  const target = options.conversation === undefined
    ? { ids: ids.map(idArgument) }
    : { conversation: options.conversation };
  const result = await inv.service("burn", target);
  inv.out.result(
    { type: "burned", ...result },
    `burned ${result.deleted} message(s); asked ${result.conversations} peer(s) to burn theirs`,
  );
}
