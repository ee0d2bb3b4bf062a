/**
 * `legion whoami`: this node's onion address, key fingerprint and creation time — from the running
 * node when there is one (no passphrase), else from the store unlocked here.
 */
import type { Command } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";

export function registerWhoami(program: Command, run: ActionRunner): void {
  program.command("whoami")
    .description("show this identity's onion address, key fingerprint and creation time")
    .action(run(whoami));
}

async function whoami(inv: Invocation): Promise<void> {
  const identity = await inv.service("whoami", {});
  inv.out.result(
    { type: "identity", ...identity },
    [
      `onion:       ${identity.onion}`,
      `fingerprint: ${identity.fingerprint}`,
      `created:     ${identity.createdAt}`,
    ],
  );
}
