import { assert, assertEquals, assertThrows } from "../../support/assert.ts";
import { join } from "node:path";
import { statSync } from "node:fs";
import { ensureDataDir, openDatabase, schemaVersion } from "../../../src/store/db.ts";
import { runTransaction } from "../../../src/store/transaction.ts";
import { MIGRATIONS } from "../../../src/store/migrations.ts";
import { tempDir } from "../../support/cli.ts";
import { isUserError } from "../../support/user_error.ts";

Deno.test("openDatabase() applies every migration, WAL and secure_delete", async () => {
  await using dir = await tempDir();
  const db = openDatabase(join(dir.path, "a.db"), { create: true });
  try {
    assertEquals(schemaVersion(db), MIGRATIONS.at(-1)!.version);
    assertEquals(
      (db.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode,
      "wal",
    );
    assertEquals(
      (db.prepare("PRAGMA secure_delete").get() as { secure_delete: number }).secure_delete,
      1,
    );
  } finally {
    db.close();
  }
});

Deno.test("migration numbers are strictly increasing from 1", () => {
  MIGRATIONS.forEach((migration, index) => assertEquals(migration.version, index + 1));
});

Deno.test("openDatabase() refuses a database from a newer Legion (config error)", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "a.db");
  const db = openDatabase(path, { create: true });
  db.exec("PRAGMA user_version = 999");
  db.close();
  assert(isUserError(assertThrows(() => openDatabase(path)), "config"));
});

Deno.test("openDatabase() without create reports a missing identity", async () => {
  await using dir = await tempDir();
  assert(isUserError(assertThrows(() => openDatabase(join(dir.path, "none.db"))), "no_identity"));
});

Deno.test("files are 0600 and the data dir 0700, even with a permissive umask", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const old = Deno.umask(0o000);
  try {
    ensureDataDir(home);
    const db = openDatabase(join(home, "a.db"), { create: true });
    db.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)");
    for (const name of ["a.db", "a.db-wal", "a.db-shm"]) {
      assertEquals(statSync(join(home, name)).mode & 0o777, 0o600, name);
    }
    db.close();
  } finally {
    Deno.umask(old);
  }
  assertEquals(statSync(home).mode & 0o777, 0o700);
});

Deno.test("runTransaction() rolls back on error", async () => {
  await using dir = await tempDir();
  const db = openDatabase(join(dir.path, "a.db"), { create: true });
  try {
    db.exec("CREATE TABLE t (x)");
    assertThrows(() =>
      runTransaction(db, () => {
        db.exec("INSERT INTO t VALUES (1)");
        throw new Error("boom");
      })
    );
    assertEquals((db.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n, 0);
  } finally {
    db.close();
  }
});
