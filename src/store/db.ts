/**
 * The SQLite file: WAL for crash safety with concurrent readers, `secure_delete` so deleted rows
 * are overwritten, `synchronous=FULL` because acks promise durability. The data dir is 0700 and
 * every file in it 0600 (SQLite gives `-wal`/`-shm` the database file's mode).
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { pathToFileURL } from "node:url";
import { LegionError } from "../errors.ts";
import { type Migration, MIGRATIONS } from "./migrations.ts";
import { runTransaction } from "./transaction.ts";
import { StoreError, storeErrorAt, storeErrorOf } from "./store_error.ts";
import { checkStoreFile, fileWritable } from "./store_file.ts";
import { markReadOnly } from "./read_only.ts";
import { cacheStatements } from "./statement_cache.ts";

export type Database = DatabaseSync;

export { isReadOnly } from "./read_only.ts";

/** Creates the data dir (0700) if missing and tightens its mode if it exists. */
export function ensureDataDir(home: string): void {
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    if ((statSync(home).mode & 0o777) !== 0o700) chmodSync(home, 0o700);
  } catch (err) {
    const cause = storeErrorOf(err);
    if (!cause) throw err;
    throw new StoreError(cause.reason, `Cannot create the data dir ${home}: ${cause.message}`, {
      path: home,
      cause: err,
    });
  }
}

/** Opens (creating with `create`) the database at `path` with Legion's pragmas and migrations. */
export function openDatabase(
  path: string,
  options: { create?: boolean; migrations?: readonly Migration[] } = {},
): Database {
  const migrations = options.migrations ?? MIGRATIONS;
  const file = checkStoreFile(path);
  if (file === "empty" && !options.create) {
    throw new StoreError("corrupt", `${path} is empty: not a Legion store`, { path });
  }
  if (file === "absent") {
    if (!options.create) {
      throw new LegionError("no_identity", "No Legion identity here", {
        hint: "run `legion init` first, or pass --home DIR",
      });
    }
    // Create the file ourselves so it is 0600 from its first byte, whatever the umask.
    try {
      closeSync(openSync(path, "a", 0o600));
    } catch (err) {
      const cause = storeErrorOf(err);
      if (!cause) throw err;
      throw new StoreError(cause.reason, `Cannot create ${path}: ${cause.message}`, {
        path,
        cause: err,
      });
    }
  } else if (!fileWritable(path)) {
    return openReadOnly(path, migrations);
  }
  let db: Database;
  try {
    db = new DatabaseSync(path);
    cacheStatements(db);
  } catch (err) {
    if (cannotMakeCompanions(err, file)) return openReadOnly(path, migrations);
    throw storeFailure(err, path);
  }
  try {
    // busy_timeout first: switching to WAL takes a lock, and another legion process may hold one.
    db.exec(`
      PRAGMA busy_timeout = 5000;
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      PRAGMA secure_delete = ON;
      PRAGMA foreign_keys = ON;
    `);
    migrate(db, migrations);
  } catch (err) {
    db.close();
    if (cannotMakeCompanions(err, file)) return openReadOnly(path, migrations);
    throw storeFailure(err, path);
  }
  return db;
}

/** A writable file in a directory that is not: SQLite cannot make its `-shm`; read it instead. */
function cannotMakeCompanions(err: unknown, file: "absent" | "empty" | "database"): boolean {
  return file === "database" && storeErrorOf(err)?.reason === "permission";
}

/**
 * On read-only media SQLite cannot create the WAL's `-shm` and refuses even to read; `immutable=1`
 * reads the file as it is (Legion checkpoints the WAL into the file when it closes). Writes then
 * fail with SQLITE_READONLY, which callers see as a `read_only` StoreError.
 */
function openReadOnly(path: string, migrations: readonly Migration[]): Database {
  let db: Database;
  try {
    // node:sqlite's `readOnly` option postdates the bundled @types/node declarations.
    const options = { readOnly: true } as ConstructorParameters<typeof DatabaseSync>[1];
    db = new DatabaseSync(pathToFileURL(path).href + "?immutable=1", options);
    cacheStatements(db);
  } catch (err) {
    throw storeFailure(err, path);
  }
  try {
    db.exec("PRAGMA foreign_keys = ON");
    const current = schemaVersion(db);
    if (current < (migrations.at(-1)?.version ?? 0)) {
      throw new StoreError(
        "read_only",
        `${path} needs an upgrade, but its directory is read-only`,
        {
          path,
        },
      );
    }
    migrate(db, migrations);
  } catch (err) {
    db.close();
    throw storeFailure(err, path);
  }
  markReadOnly(db);
  return db;
}

/** A storage cause as a StoreError naming the file; anything else unchanged. */
function storeFailure(err: unknown, path: string): unknown {
  return storeErrorAt(err, path) ?? err;
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
