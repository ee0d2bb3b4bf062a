import { assert, assertEquals, assertRejects } from "../../support/assert.ts";
import { join } from "node:path";
import { openDatabase } from "../../../src/store/db.ts";
import { createVault, unlockVault } from "../../../src/store/vault.ts";
import { tempDir } from "../../support/cli.ts";
import { isUserError } from "../../support/user_error.ts";

const keyFile = crypto.getRandomValues(new Uint8Array(32));
const right = { passphrase: "right passphrase", keyFile };

Deno.test("unlockVault() opens with the right passphrase and rejects a wrong one (77)", async () => {
  await using dir = await tempDir();
  const db = openDatabase(join(dir.path, "v.db"), { create: true });
  try {
    const sealer = await createVault(db, right);
    const sealed = sealer.seal({ label: "probe", row: 1 }, new Uint8Array([1, 2, 3]));
    const reopened = await unlockVault(db, right);
    assertEquals(reopened.open({ label: "probe", row: 1 }, sealed), new Uint8Array([1, 2, 3]));
    const before = db.prepare("SELECT * FROM vault").get();
    const err = await assertRejects(() =>
      unlockVault(db, { ...right, passphrase: "wrong passphrase" })
    );
    assert(isUserError(err, "passphrase_rejected"));
    assertEquals((err as unknown as { exitCode: number }).exitCode, 77);
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
    await createVault(db, right);
    db.exec("UPDATE vault SET opslimit = opslimit + 1");
    assert(
      isUserError(
        await assertRejects(() => unlockVault(db, right)),
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
      createVault(db, { passphrase: "pw", keyFile }, { opslimit: 2, memlimit: 64 * 1024 * 1024 })
    );
    assert(err instanceof RangeError);
  } finally {
    db.close();
  }
});

Deno.test("unlockVault() refuses the right passphrase without the right key file (77)", async () => {
  await using dir = await tempDir();
  const db = openDatabase(join(dir.path, "v.db"), { create: true });
  try {
    await createVault(db, right);
    const otherKeyFile = keyFile.slice();
    otherKeyFile[0] ^= 1;
    for (const wrong of [otherKeyFile, new Uint8Array(32)]) {
      const err = await assertRejects(() =>
        unlockVault(db, { passphrase: right.passphrase, keyFile: wrong })
      );
      assert(isUserError(err, "passphrase_rejected"));
    }
  } finally {
    db.close();
  }
});

Deno.test("unlockVault() refuses a vault of the passphrase-only format", async () => {
  await using dir = await tempDir();
  const db = openDatabase(join(dir.path, "v.db"), { create: true });
  try {
    await createVault(db, right);
    db.exec("UPDATE vault SET kdf = 'argon2id13'");
    const err = await assertRejects(() => unlockVault(db, right));
    assert(isUserError(err, "config"));
    assert((err as { hint?: string }).hint?.includes("--restore"));
  } finally {
    db.close();
  }
});
