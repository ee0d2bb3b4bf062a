import { assertEquals } from "../support/assert.ts";
import { join } from "node:path";
import { runLegion, tempDir, TEST_PASSPHRASE } from "../support/cli.ts";
import { findInFiles } from "../support/scan.ts";
import { deriveIdentity, newPhrase } from "../../src/crypto/phrase_keys.ts";
import { toHex } from "../../src/crypto/hex.ts";
import { unlockStore } from "../../src/store/open_store.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("no planted secret appears in the DB, its -wal/-shm or any file of the data dir", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const phrase = await newPhrase();
  const restored = await runLegion(["--home", home, "init", "--restore"], { stdin: phrase });
  assertEquals(restored.code, 0, restored.stderr);
  const keys = await deriveIdentity(phrase);

  // Plant a secret key's hex and a contact-like name through the store API, as features will.
  const plantedKey = toHex(crypto.getRandomValues(new Uint8Array(32)));
  const plantedName = "Zelda Nightingale-Planted";
  const store = await unlockStore(home, TEST_PASSPHRASE, Date.now());
  try {
    store.db.exec(
      "CREATE TABLE planted (id INTEGER PRIMARY KEY, name_sealed BLOB, key_sealed BLOB)",
    );
    store.db.prepare("INSERT INTO planted (name_sealed, key_sealed) VALUES (?, ?)").run(
      store.sealer.sealText({ label: "planted.name", row: 1 }, plantedName),
      store.sealer.sealText({ label: "planted.key", row: 1 }, plantedKey),
    );
    // Read back while the WAL still holds the pages: the WAL is scanned too.
    const files = await findInFiles(home, {
      plantedKey: text(plantedKey),
      plantedName: text(plantedName),
      seed: keys.seed,
      seedHex: text(toHex(keys.seed)),
      zkSecret: keys.zkSecret,
      zkSecretHex: text(toHex(keys.zkSecret)),
      phrase: text(phrase),
      passphrase: text(TEST_PASSPHRASE),
    });
    assertEquals(files, []);
  } finally {
    store.close();
  }
});

Deno.test("the scan itself finds an unsealed plant (the test can fail)", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(join(dir.path, "leak.db-wal"), "xx Zelda Nightingale-Planted xx");
  const found = await findInFiles(dir.path, { name: text("Zelda Nightingale-Planted") });
  assertEquals(found.length, 1);
});
