/**
 * One prepared statement per SQL text and connection, reused. node:sqlite (and Bun's) frees a
 * statement's native memory (the sqlite3_stmt, its bound values) only when the JavaScript object is
 * garbage-collected, and the collector does not see that native size: a statement prepared on
 * every call (≈25 per received message) let a receiving node grow by ≈1.7 KB a message until a
 * collection happened to run. The store only runs statements to completion (`run`/`get`/`all`,
 * never an open `iterate`), so a reused statement is never in use twice at once.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";

/** At most this many distinct statements per connection (the store has ~150 SQL texts). */
const MAX_STATEMENTS = 512;

/** Makes `db.prepare(sql)` return the connection's cached statement for `sql`. */
export function cacheStatements(db: DatabaseSync): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, StatementSync>();
  db.prepare = (sql: string): StatementSync => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = prepare(sql);
      if (cache.size >= MAX_STATEMENTS) cache.delete(cache.keys().next().value!);
      cache.set(sql, statement);
    }
    return statement;
  };
}
