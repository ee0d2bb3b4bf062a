/**
 * Whether a directory is provably a Legion home, checked before anything destroys it (`panic`,
 * `init --force`, src/store/wipe.ts). A wipe overwrites and unlinks every file below the data dir,
 * so a wrong `--home` (`~`, `.`, a thesis folder, a symlink) must be refused before anything is
 * touched — not even a process stopped.
 *
 * A Legion home is a real directory (not a symlink) that is neither `/`, the user's home or one of
 * its ancestors, nor the working directory or one of its ancestors (all compared as real paths);
 * holds a valid Legion database (`legion.db`: a regular SQLite file with Legion's schema version and
 * tables); and nothing at its top level but the names Legion itself writes there (`HOME_ENTRIES`
 * of layout.ts, plus the staging database of an interrupted `init`). What is inside `tor/` is
 * tor's own.
 */
import { closeSync, lstatSync, openSync, readdirSync, readSync, realpathSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { DatabaseSync } from "node:sqlite";
import { LegionError, type LegionErrorOptions } from "../errors.ts";
import { DB_FILE, HOME_ENTRIES, TOR_DIR } from "./layout.ts";
import { pathExists } from "./path_exists.ts";

/** `init` builds its database as `legion.db.init-<12 hex>` and renames it into place. */
const STAGING_DATABASE = /^legion\.db\.init-[0-9a-f]{12}(-wal|-shm|-journal)?$/;

/** Tables every Legion database has had since schema version 1 (src/store/migrations.ts). */
const REQUIRED_TABLES = ["vault", "identity", "meta"];

const SQLITE_MAGIC = "SQLite format 3\0";

export type HomeRefusal =
  | "empty_path"
  | "root"
  | "user_home"
  | "working_dir"
  | "symlink"
  | "not_directory"
  | "no_database"
  | "not_legion_database"
  | "unexpected_entry";

/** Why a directory was not accepted as a Legion home; always exit 78 (configuration problem). */
export class HomeGuardError extends LegionError {
  readonly reason: HomeRefusal;

  constructor(reason: HomeRefusal, message: string, options: LegionErrorOptions = {}) {
    super("config", message, {
      hint: "pass --home with the Legion data dir itself; nothing was touched",
      ...options,
    });
    this.reason = reason;
  }
}

/** Type guard, optionally narrowed to one reason: `isHomeGuardError(e, "symlink")`. */
export function isHomeGuardError(err: unknown, reason?: HomeRefusal): err is HomeGuardError {
  return err instanceof HomeGuardError && (reason === undefined || err.reason === reason);
}

/** Where the command runs from: the user's home and working directory must never be wiped. */
export interface HomeSurroundings {
  userHome: string;
  cwd: string;
}

/**
 * `"absent"` (nothing there), `"empty"` (an empty real directory: nothing to destroy) or `"home"`
 * (a Legion home, safe to wipe).
 *
 * @throws {HomeGuardError} when `home` is anything else; nothing is modified.
 */
export function checkHome(
  home: string,
  surroundings: HomeSurroundings,
): "absent" | "empty" | "home" {
  const kind = checkHomeDirectory(home);
  if (kind === "absent") return kind;
  checkHomeLocation(home, surroundings);
  if (readdirSync(home).length === 0) return "empty";
  checkHomeContents(home);
  return "home";
}

/** Refuses `/`, the user's home, the working directory and any ancestor of those two. */
export function checkHomeLocation(home: string, surroundings: HomeSurroundings): void {
  const real = realPath(home);
  if (real === sep) throw new HomeGuardError("root", "Refusing to destroy /");
  const userHome = realPath(surroundings.userHome);
  if (real === userHome || isAncestor(real, userHome)) {
    throw new HomeGuardError(
      "user_home",
      `Refusing to destroy ${home}: it is your home directory or contains it`,
    );
  }
  const cwd = realPath(surroundings.cwd);
  if (real === cwd || isAncestor(real, cwd)) {
    throw new HomeGuardError(
      "working_dir",
      `Refusing to destroy ${home}: it is the current directory or contains it`,
      { hint: "pass the data dir by its path from outside it, e.g. --home ~/.local/share/legion" },
    );
  }
}

/**
 * Checks that the top level holds only Legion's names and that `legion.db` is a Legion database.
 * The database is opened read-only, and only after every name was accepted.
 */
export function checkHomeContents(home: string): void {
  checkHomeDirectory(home);
  const unexpected: string[] = [];
  for (const name of readdirSync(home)) {
    const stat = lstatSync(join(home, name));
    const database = name.startsWith(DB_FILE);
    const known = HOME_ENTRIES.includes(name) || STAGING_DATABASE.test(name);
    // SQLite follows symlinks, so a database file must be a regular file; `tor/` must be a real
    // directory, as the wipe descends into it. Anything else Legion writes is only ever unlinked.
    const shapeOk = name === TOR_DIR
      ? stat.isDirectory()
      : database
      ? stat.isFile()
      : !stat.isDirectory();
    if (!known || !shapeOk) unexpected.push(name);
  }
  if (unexpected.length > 0) {
    const shown = unexpected.sort().slice(0, 3).join(", ") + (unexpected.length > 3 ? ", …" : "");
    throw new HomeGuardError(
      "unexpected_entry",
      `Refusing to destroy ${home}: it holds what Legion never writes there (${shown})`,
      { hint: "move those out first if this really is the Legion data dir; nothing was touched" },
    );
  }
  checkDatabase(home);
}

function checkHomeDirectory(home: string): "absent" | "directory" {
  let stat;
  try {
    stat = lstatSync(home);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw new HomeGuardError("not_directory", `Cannot inspect ${home}: ${(err as Error).message}`);
  }
  if (stat.isSymbolicLink()) {
    throw new HomeGuardError("symlink", `Refusing to destroy ${home}: it is a symbolic link`, {
      hint: "pass the data dir itself, not a link to it; nothing was touched",
    });
  }
  if (!stat.isDirectory()) {
    throw new HomeGuardError("not_directory", `Refusing to destroy ${home}: not a directory`);
  }
  return "directory";
}

function checkDatabase(home: string): void {
  const path = join(home, DB_FILE);
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    throw new HomeGuardError(
      "no_database",
      `Refusing to destroy ${home}: no Legion database (${DB_FILE}) in it`,
    );
  }
  const notLegion = (why: string) =>
    new HomeGuardError(
      "not_legion_database",
      `Refusing to destroy ${home}: ${DB_FILE} is not a Legion database (${why})`,
    );
  if (!stat.isFile()) throw notLegion("not a regular file");
  if (readHead(path, SQLITE_MAGIC.length) !== SQLITE_MAGIC) throw notLegion("not SQLite");
  let db: DatabaseSync | undefined;
  try {
    db = openReadOnly(path);
    const version = Number(
      (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
    );
    if (version < 1) throw notLegion("no schema version");
    const tables = new Set(
      (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as Array<
        { name: string }
      >).map((row) => row.name),
    );
    const missing = REQUIRED_TABLES.filter((table) => !tables.has(table));
    if (missing.length > 0) throw notLegion(`no ${missing.join(", ")} table`);
  } catch (err) {
    if (err instanceof HomeGuardError) throw err;
    throw notLegion((err as Error).message);
  } finally {
    db?.close();
  }
}

/**
 * Without a WAL, `immutable=1` reads the file without creating `-wal`/`-shm` next to it, so a
 * refused directory is left exactly as it was. With one (a live home), a plain read-only open reads
 * through it; the `-shm` it may create is one of Legion's own names.
 */
function openReadOnly(path: string): DatabaseSync {
  // node:sqlite's `readOnly` option postdates the bundled @types/node 22.7 declarations.
  const options = { readOnly: true } as ConstructorParameters<typeof DatabaseSync>[1];
  if (pathExists(path + "-wal")) {
    const db = new DatabaseSync(path, options);
    db.exec("PRAGMA busy_timeout = 2000");
    return db;
  }
  return new DatabaseSync(pathToFileURL(path).href + "?immutable=1", options);
}

function readHead(path: string, length: number): string {
  const fd = openSync(path, "r");
  try {
    const buffer = new Uint8Array(length);
    const read = readSync(fd, buffer, 0, length, 0);
    return new TextDecoder("latin1").decode(buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function isAncestor(dir: string, path: string): boolean {
  return path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}
