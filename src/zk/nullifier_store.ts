/**
 * Spent nullifiers, in their own SQLite file (WAL, `secure_delete`, 0600; see store/db.ts).
 * Nullifiers are public values, so nothing here is sealed.
 *
 * `spend` is the atomic step: an INSERT on the primary key, so of two verifiers racing with the
 * same nullifier exactly one records it; the other sees a replay.
 */
import { type Database, openDatabase } from "../store/db.ts";
import type { Migration } from "../store/migrations.ts";

export const NULLIFIER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "spent nullifiers",
    sql: `
      CREATE TABLE spent_nullifier (
        nullifier TEXT PRIMARY KEY,
        scope TEXT NOT NULL,
        root TEXT NOT NULL,
        spent_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX spent_nullifier_at ON spent_nullifier (spent_at);
    `,
  },
];

export interface SpendRecord {
  nullifier: bigint;
  scope: bigint;
  root: bigint;
  /** ms since the epoch */
  at: number;
}

export class NullifierStore {
  readonly #db: Database;

  private constructor(db: Database) {
    this.#db = db;
  }

  /** Opens (creating if needed) the nullifier database at `path`. */
  static open(path: string): NullifierStore {
    return new NullifierStore(
      openDatabase(path, { create: true, migrations: NULLIFIER_MIGRATIONS }),
    );
  }

  isSpent(nullifier: bigint): boolean {
    return this.#db.prepare("SELECT 1 FROM spent_nullifier WHERE nullifier = ?")
      .get(String(nullifier)) !== undefined;
  }

  /** Records a nullifier; false when it was already spent (nothing is changed then). */
  spend(record: SpendRecord): boolean {
    const result = this.#db.prepare(
      "INSERT OR IGNORE INTO spent_nullifier (nullifier, scope, root, spent_at) VALUES (?, ?, ?, ?)",
    ).run(String(record.nullifier), String(record.scope), String(record.root), record.at);
    return Number(result.changes) === 1;
  }

  /** Forgets nullifiers spent before `before` (ms), e.g. of past epochs; returns how many. */
  prune(before: number): number {
    const result = this.#db.prepare("DELETE FROM spent_nullifier WHERE spent_at < ?").run(before);
    return Number(result.changes);
  }

  get size(): number {
    const row = this.#db.prepare("SELECT count(*) AS n FROM spent_nullifier").get() as {
      n: number;
    };
    return Number(row.n);
  }

  close(): void {
    this.#db.close();
  }
}
