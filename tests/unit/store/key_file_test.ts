import { assert, assertEquals, assertNotEquals, assertRejects } from "../../support/assert.ts";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../../src/store/db.ts";
import { createVault } from "../../../src/store/vault.ts";
import { keyFilePath } from "../../../src/store/layout.ts";
import { newKeyFileBytes, writeKeyFile } from "../../../src/store/key_file.ts";
import { unlockStore } from "../../../src/store/open_store.ts";
import { wipeDataDir, type WipeStep } from "../../../src/store/wipe.ts";
import { isLegionError } from "../../../src/errors.ts";
import { tempDir } from "../../support/cli.ts";

const PASSPHRASE = "right passphrase";

/** A home as init leaves it: a database with a vault, and the key file beside it. */
async function homeWithVault(dir: string): Promise<{ home: string; keyFile: Uint8Array }> {
  const home = join(dir, "home");
  await Deno.mkdir(home, { mode: 0o700 });
  const keyFile = newKeyFileBytes();
  const db = openDatabase(join(home, "legion.db"), { create: true });
  try {
    (await createVault(db, { passphrase: PASSPHRASE, keyFile })).wipe();
  } finally {
    db.close();
  }
  writeKeyFile(keyFilePath(home), keyFile);
  return { home, keyFile };
}

Deno.test("unlockStore() opens a home with its passphrase and key file (init → unlock)", async () => {
  await using dir = await tempDir();
  const { home, keyFile } = await homeWithVault(dir.path);
  const stat = Deno.lstatSync(keyFilePath(home));
  assertEquals(stat.mode! & 0o777, 0o600);
  assertEquals(await Deno.readFile(keyFilePath(home)), keyFile);
  const store = await unlockStore(home, PASSPHRASE, Date.now());
  store.close();
});

Deno.test("unlockStore() without the key file refuses the right passphrase (66)", async () => {
  await using dir = await tempDir();
  const { home } = await homeWithVault(dir.path);
  await Deno.remove(keyFilePath(home));
  const err = await assertRejects(() => unlockStore(home, PASSPHRASE, Date.now()));
  assert(isLegionError(err, "no_input"), String(err));
  assertEquals((err as { exitCode: number }).exitCode, 66);
  assert((err as { hint?: string }).hint);
});

Deno.test("unlockStore() refuses a key file of the wrong size, mode or kind (65)", async () => {
  await using dir = await tempDir();
  const { home, keyFile } = await homeWithVault(dir.path);
  const path = keyFilePath(home);
  const cases: Array<[string, () => void]> = [
    ["short", () => Deno.writeFileSync(path, keyFile.subarray(0, 31))],
    ["long", () => Deno.writeFileSync(path, new Uint8Array([...keyFile, 0]))],
    ["group-readable", () => {
      Deno.writeFileSync(path, keyFile);
      Deno.chmodSync(path, 0o640);
    }],
    ["symlink", () => {
      Deno.writeFileSync(join(dir.path, "elsewhere"), keyFile, { mode: 0o600 });
      Deno.symlinkSync(join(dir.path, "elsewhere"), path);
    }],
  ];
  for (const [name, damage] of cases) {
    Deno.removeSync(path);
    damage();
    const err = await assertRejects(() => unlockStore(home, PASSPHRASE, Date.now()));
    assert(isLegionError(err, "bad_data"), `${name}: ${err}`);
    assertEquals((err as { exitCode: number }).exitCode, 65, name);
  }
});

Deno.test("writeKeyFile() never replaces an existing file", async () => {
  await using dir = await tempDir();
  const { home, keyFile } = await homeWithVault(dir.path);
  let threw = false;
  try {
    writeKeyFile(keyFilePath(home), newKeyFileBytes());
  } catch {
    threw = true;
  }
  assert(threw);
  assertEquals(await Deno.readFile(keyFilePath(home)), keyFile);
});

Deno.test("wipeDataDir() overwrites the key file in place before it touches the database", async () => {
  await using dir = await tempDir();
  const { home, keyFile } = await homeWithVault(dir.path);
  // A hard link keeps the key file's inode readable after the wipe unlinks it.
  const link = join(dir.path, "key-link");
  await Deno.link(keyFilePath(home), link);
  const wrappedAt = () => {
    const db = new DatabaseSync(join(home, "legion.db"), { readOnly: true } as never);
    try {
      return db.prepare("SELECT count(*) AS n FROM vault").get() as { n: number };
    } finally {
      db.close();
    }
  };
  const seen: Array<{ step: WipeStep; keyFile: Uint8Array; vaultRows?: number }> = [];
  const report = wipeDataDir(home, {
    onStep: (step) =>
      seen.push({
        step,
        keyFile: Deno.readFileSync(link),
        vaultRows: step === "key_file" ? Number(wrappedAt().n) : undefined,
      }),
  });
  assertEquals(report.failures, []);
  assertEquals(seen.map((s) => s.step), ["key_file", "database", "files"]);
  assertEquals(seen[0].vaultRows, 1, "the database was not touched yet");
  assertEquals(seen[0].keyFile.length, 32);
  assertNotEquals(seen[0].keyFile, keyFile, "the key file was overwritten first");
  assertNotEquals(await Deno.readFile(link), keyFile);
  assertEquals(await Deno.stat(home).then(() => true, () => false), false);
});
