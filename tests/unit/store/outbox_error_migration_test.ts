import { assert, assertEquals } from "../../support/assert.ts";
import { join } from "node:path";
import { tempDir } from "../../support/cli.ts";
import { findInFiles } from "../../support/scan.ts";
import { openDatabase } from "../../../src/store/db.ts";
import { MIGRATIONS } from "../../../src/store/migrations.ts";

Deno.test("migration 6 drops the plain outbox.last_error and overwrites what it held", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "legion.db");
  const leak = "Cannot reach zqktlwiuavvvqqt4ybvgvi7tyo4hjl5xgfuvpdf6otjiycgwqbym2qad.onion";
  const old = openDatabase(path, { create: true, migrations: MIGRATIONS.slice(0, 4) });
  old.prepare(
    `INSERT INTO outbox (id, contact_id, kind, ciphertext_sealed, next_attempt_at, expires_at,
                         last_error) VALUES (?, 1, 'message', X'00', 0, 1, ?)`,
  ).run(new Uint8Array(16), leak);
  old.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  old.close();
  assertEquals((await findInFiles(dir.path, { leak: new TextEncoder().encode(leak) })).length, 1);

  const db = openDatabase(path);
  const columns = (db.prepare("PRAGMA table_info(outbox)").all() as Array<{ name: string }>)
    .map((c) => c.name);
  assert(!columns.includes("last_error"));
  assert(columns.includes("last_error_sealed"));
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
  assertEquals(await findInFiles(dir.path, { leak: new TextEncoder().encode(leak) }), []);
});
