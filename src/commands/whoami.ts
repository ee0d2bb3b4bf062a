/** `legion whoami`: this node's onion address, key fingerprint and creation time. */
import type { Command } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { keyFingerprint } from "../crypto/fingerprint.ts";
import { toHex } from "../crypto/hex.ts";
import { onionAddress } from "../crypto/onion.ts";
import { loadIdentity } from "../store/identity_store.ts";

export function registerWhoami(program: Command, run: ActionRunner): void {
  program.command("whoami")
    .description("show this identity's onion address, key fingerprint and creation time")
    .action(run(whoami));
}

async function whoami(inv: Invocation): Promise<void> {
  const store = await inv.unlock();
  const identity = loadIdentity(store.db, store.sealer);
  identity.seed.fill(0);
  identity.zkSecret.fill(0);
  const onion = `${onionAddress(identity.publicKey)}.onion`;
  const fingerprint = await keyFingerprint(identity.publicKey);
  const created = new Date(identity.createdAt).toISOString();
  inv.out.result(
    {
      type: "identity",
      onion,
      publicKey: toHex(identity.publicKey),
      fingerprint,
      createdAt: created,
    },
    [`onion:       ${onion}`, `fingerprint: ${fingerprint}`, `created:     ${created}`],
  );
}
