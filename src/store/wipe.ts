/**
 * Destroying a data dir so nothing is left to recover: first the vault key file overwritten with
 * random bytes and synced (key_file.ts), then every row deleted with `secure_delete`, the WAL
 * checkpointed and truncated, the database vacuumed, then every file overwritten with random bytes,
 * synced and unlinked, and the directories removed.
 *
 * Every value was already sealed under the vault key, and that key is wrapped under the passphrase
 * and the key file together. The key file is overwritten first because it is the one step that
 * makes every stray copy useless at once: a wrapped key left in freed blocks by SQLite's WAL, an
 * SSD's remapped block, a backup of the database. Each step runs even when an earlier one failed;
 * failures are collected.
 *
 * Nothing is touched unless the directory is provably a Legion home (src/store/home_guard.ts):
 * the wipe refuses a symlinked home, unknown top-level names or a database that is not Legion's.
 * Below the top level every entry is lstat'ed: a symlink is unlinked, never followed.
 */
import {
  closeSync,
  fsyncSync,
  lstatSync,
  openSync,
  readdirSync,
  rmdirSync,
  rmSync,
  writeSync,
} from "node:fs";
import { randomFillSync } from "node:crypto";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { checkHomeContents } from "./home_guard.ts";
import { databasePath, keyFilePath } from "./layout.ts";
import { scrambleKeyFile } from "./key_file.ts";
import { pathExists } from "./path_exists.ts";

export interface WipeReport {
  tables: number;
  rows: number;
  files: number;
  bytes: number;
  directories: number;
  failures: string[];
}

export interface WipeOptions {
  /** Top-level names to leave in place (init's staging database); the home itself then stays. */
  keep?: (name: string) => boolean;
  /** Called after each step, in order: the key file, the database, the files. */
  onStep?: (step: WipeStep) => void;
}

export type WipeStep = "key_file" | "database" | "files";

const CHUNK = 1 << 20;

/**
 * Wipes the Legion home `home`; a missing `home` is an empty report.
 *
 * @throws {HomeGuardError} before touching anything when `home` is not provably a Legion home.
 */
export function wipeDataDir(home: string, options: WipeOptions = {}): WipeReport {
  const report: WipeReport = {
    tables: 0,
    rows: 0,
    files: 0,
    bytes: 0,
    directories: 0,
    failures: [],
  };
  if (!pathExists(home)) return report;
  checkHomeContents(home);
  try {
    scrambleKeyFile(keyFilePath(home));
  } catch (err) {
    report.failures.push(`key file: ${(err as Error).message}`);
  }
  options.onStep?.("key_file");
  try {
    emptyDatabase(databasePath(home), report);
  } catch (err) {
    report.failures.push(`database: ${(err as Error).message}`);
  }
  options.onStep?.("database");
  destroyTree(home, report, options.keep);
  options.onStep?.("files");
  return report;
}

/** Deletes every row of every table under secure_delete, then truncates the WAL and vacuums. */
function emptyDatabase(path: string, report: WipeReport): void {
  if (!pathExists(path)) return;
  const db = new DatabaseSync(path);
  try {
    db.exec("PRAGMA busy_timeout = 2000; PRAGMA secure_delete = ON;");
    const tables = db.prepare(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    ).all() as Array<{ name: string }>;
    db.exec("BEGIN IMMEDIATE");
    for (const { name } of tables) {
      const quoted = `"${name.replaceAll('"', '""')}"`;
      report.rows += Number(db.prepare(`DELETE FROM ${quoted}`).run().changes);
      report.tables++;
    }
    db.exec("COMMIT");
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.exec("VACUUM");
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
}

/**
 * Overwrites and unlinks every file below `dir`, removes the directories, then `dir` itself
 * (unless `keep` spared one of its entries).
 */
function destroyTree(dir: string, report: WipeReport, keep?: (name: string) => boolean): void {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch (err) {
    report.failures.push(`${dir}: ${(err as Error).message}`);
  }
  let kept = 0;
  for (const name of names) {
    if (keep?.(name)) {
      kept++;
      continue;
    }
    const path = join(dir, name);
    try {
      const stat = lstatSync(path);
      if (stat.isDirectory()) {
        destroyTree(path, report);
        continue;
      }
      if (stat.isFile()) {
        overwrite(path, stat.size);
        report.bytes += stat.size;
      }
      rmSync(path, { force: true });
      report.files++;
    } catch (err) {
      report.failures.push(`${path}: ${(err as Error).message}`);
      rmSync(path, { force: true, recursive: true });
    }
  }
  if (kept > 0) return;
  try {
    rmdirSync(dir);
    report.directories++;
  } catch (err) {
    report.failures.push(`${dir}: ${(err as Error).message}`);
  }
}

function overwrite(path: string, size: number): void {
  const fd = openSync(path, "r+");
  try {
    const buffer = new Uint8Array(Math.min(CHUNK, Math.max(size, 1)));
    for (let offset = 0; offset < size; offset += buffer.length) {
      const length = Math.min(buffer.length, size - offset);
      randomFillSync(buffer, 0, length);
      writeSync(fd, buffer, 0, length, offset);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
