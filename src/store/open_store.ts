/** An opened, unlocked store: the database plus the sealer holding the vault key. */
import type { Database } from "./db.ts";
import { databasePath, openDatabase } from "./db.ts";
import type { Sealer } from "./sealer.ts";
import { unlockVault } from "./vault.ts";

export interface UnlockedStore {
  home: string;
  db: Database;
  sealer: Sealer;
  close(): void;
}

/** Opens the data dir's database and unlocks its vault; records the unlock time (dead-man switch). */
export async function unlockStore(
  home: string,
  passphrase: string,
  now: number,
): Promise<UnlockedStore> {
  const db = openDatabase(databasePath(home));
  try {
    const sealer = await unlockVault(db, passphrase);
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_unlock_at', ?)").run(
      String(now),
    );
    return storeHandle(home, db, sealer);
  } catch (err) {
    db.close();
    throw err;
  }
}

export function storeHandle(home: string, db: Database, sealer: Sealer): UnlockedStore {
  let closed = false;
  return {
    home,
    db,
    sealer,
    close() {
      if (closed) return;
      closed = true;
      sealer.wipe();
      db.close();
    },
  };
}
