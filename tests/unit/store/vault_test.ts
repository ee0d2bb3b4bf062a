import { assert, assertEquals, assertRejects } from "../../support/assert.ts";
import { join } from "node:path";
import { openDatabase } from "../../../src/store/db.ts";
import { createVault, unlockVault } from "../../../src/store/vault.ts";
import { isLegionError } from "../../../src/errors.ts";
import { tempDir } from "../../support/cli.ts";

Deno.test("unlockVault() opens with the right passphrase and rejects a wrong one (77)", async () => {
  await using dir = await tempDir();
  const db = openDatabase(join(dir.path, "v.db"), { create: true });
  try {
    const sealer = await createVault(db, "right passphrase");
    const sealed = sealer.seal({ label: "probe", row: 1 }, new Uint8Array([1, 2, 3]));
    const reopened = await unlockVault(db, "right passphrase");
    assertEquals(reopened.open({ label: "probe", row: 1 }, sealed), new Uint8Array([1, 2, 3]));
    const before = db.prepare("SELECT * FROM vault").get();
    const err = await assertRejects(() => unlockVault(db, "wrong passphrase"));
    assert(isLegionError(err, "passphrase_rejected"));
    assertEquals((err as { exitCode: number }).exitCode, 77);
    assertEquals(
      db.prepare("SELECT * FROM vault").get(),
      before,
      "a failed unlock changes nothing",
    );
  } finally {
    db.close();
  }
});

Deno.test("unlockVault() fails when the stored KDF parameters are edited (no silent downgrade)", async () => {
  await using dir = await tempDir();
  const db = openDatabase(join(dir.path, "v.db"), { create: true });
  try {
    await createVault(db, "right passphrase");
    db.exec("UPDATE vault SET opslimit = opslimit + 1");
    assert(
      isLegionError(
        await assertRejects(() => unlockVault(db, "right passphrase")),
        "passphrase_rejected",
      ),
    );
  } finally {
    db.close();
  }
});

Deno.test("createVault() refuses Argon2id parameters below MODERATE", async () => {
  await using dir = await tempDir();
  const db = openDatabase(join(dir.path, "v.db"), { create: true });
  try {
    const err = await assertRejects(() =>
      createVault(db, "pw", { opslimit: 2, memlimit: 64 * 1024 * 1024 })
    );
    assert(err instanceof RangeError);
  } finally {
    db.close();
  }
});
