/**
 * An opened, unlocked store: the database, the sealer holding the vault key, and the store's one
 * writer (writer.ts) through which every write goes.
 */
import type { Database } from "./db.ts";
import { isReadOnly, openDatabase } from "./db.ts";
import { databasePath, keyFilePath } from "./layout.ts";
import { readKeyFile } from "./key_file.ts";
import type { Sealer } from "./sealer.ts";
import { unlockVault } from "./vault.ts";
import { recordUse } from "./usage.ts";
import { StoreWriter } from "./writer.ts";
import { storeErrorAt } from "./store_error.ts";

export interface UnlockedStore {
  home: string;
  db: Database;
  sealer: Sealer;
  /** Runs `fn` alone and inside one transaction (see writer.ts). */
  write<T>(fn: () => T | Promise<T>): Promise<T>;
  /** A synchronous write while nothing else writes (opening); see writer.ts. */
  writeSync<T>(fn: () => T): T;
  /** Runs `onCommit` after the running write commits (or now); see writer.ts. */
  afterCommit(onCommit: () => void, onRollback?: () => void): void;
  /** Runs `fn` alone outside any transaction (WAL checkpoints). */
  exclusive<T>(fn: () => T | Promise<T>): Promise<T>;
  close(): void;
}

/**
 * Opens the data dir's database and unlocks its vault with the passphrase and the home's key file;
 * records the use (dead-man switch) unless the store is read-only (read-only media), where reading
 * still works and writes fail later with a `read_only` StoreError.
 */
export async function unlockStore(
  home: string,
  passphrase: string,
  now: number,
): Promise<UnlockedStore> {
  const path = databasePath(home);
  const db = openDatabase(path);
  try {
    const keyFile = readKeyFile(keyFilePath(home));
    const sealer = await unlockVault(db, { passphrase, keyFile }).finally(() => keyFile.fill(0));
    const store = storeHandle(home, db, sealer);
    if (!isReadOnly(db)) store.writeSync(() => recordUse(db, now));
    return store;
  } catch (err) {
    db.close();
    throw storeErrorAt(err, path) ?? err;
  }
}

export function storeHandle(home: string, db: Database, sealer: Sealer): UnlockedStore {
  const writer = new StoreWriter(db);
  let closed = false;
  return {
    home,
    db,
    sealer,
    write: (fn) => writer.write(fn),
    writeSync: (fn) => writer.writeSync(fn),
    exclusive: (fn) => writer.exclusive(fn),
    afterCommit: (onCommit, onRollback) => writer.afterCommit(onCommit, onRollback),
    close() {
      if (closed) return;
      closed = true;
      sealer.wipe();
      db.close();
    },
  };
}
