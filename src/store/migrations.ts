/**
 * Numbered schema migrations, applied in order inside one transaction each and tracked in
 * `PRAGMA user_version`. Append only: never edit a migration that has shipped.
 *
 * Columns named `*_sealed` hold vault-sealed bytes (see sealer.ts); nothing sensitive is stored
 * in the clear.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "vault and identity",
    sql: `
      CREATE TABLE vault (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        kdf TEXT NOT NULL,
        salt BLOB NOT NULL,
        opslimit INTEGER NOT NULL,
        memlimit INTEGER NOT NULL,
        wrapped_key BLOB NOT NULL
      ) STRICT;
      CREATE TABLE identity (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        keys_sealed BLOB NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `,
  },
];
