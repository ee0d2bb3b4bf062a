/**
 * The SQLite file: WAL for crash safety with concurrent readers, `secure_delete` so deleted rows
 * are overwritten, `synchronous=FULL` because acks promise durability. The data dir is 0700 and
 * every file in it 0600 (SQLite gives `-wal`/`-shm` the database file's mode).
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { LegionError } from "../errors.ts";
import { type Migration, MIGRATIONS } from "./migrations.ts";
import { runTransaction } from "./transaction.ts";

export type Database = DatabaseSync;

/** Creates the data dir (0700) if missing and tightens its mode if it exists. */
export function ensureDataDir(home: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  if ((statSync(home).mode & 0o777) !== 0o700) chmodSync(home, 0o700);
}

/** Opens (creating with `create`) the database at `path` with Legion's pragmas and migrations. */
export function openDatabase(
  path: string,
  options: { create?: boolean; migrations?: readonly Migration[] } = {},
): Database {
  if (!existsSync(path)) {
    if (!options.create) {
      throw new LegionError("no_identity", "No Legion identity here", {
        hint: "run `legion init` first, or pass --home DIR",
      });
    }
    // Create the file ourselves so it is 0600 from its first byte, whatever the umask.
    closeSync(openSync(path, "a", 0o600));
  }
  const db = new DatabaseSync(path);
  try {
    db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      PRAGMA secure_delete = ON;
      PRAGMA foreign_keys = ON;
      PRAGMA busy_timeout = 5000;
    `);
    migrate(db, options.migrations ?? MIGRATIONS);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

export function schemaVersion(db: Database): number {
  return Number((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version);
}

function migrate(db: Database, migrations: readonly Migration[]): void {
  const current = schemaVersion(db);
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new LegionError(
      "config",
      `The data dir was written by a newer Legion (schema ${current} > ${latest})`,
      { hint: "upgrade legion" },
    );
  }
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    runTransaction(db, () => {
      db.exec(migration.sql);
      db.exec(`PRAGMA user_version = ${migration.version}`);
    });
  }
}
