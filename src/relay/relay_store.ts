/**
 * The relay's database (relay.db in its home): sealed like a user's store (vault.ts: Argon2id of the
 * passphrase + the key file), holding only what a relay must hold —
 *
 *   relay_identity  the relay's Ed25519 seed (sealed)
 *   mailbox         fetch id, deposit id (random, 16 B each), the owner's key (sealed), expiry,
 *                   and its item and byte counts (kept in step with `item`, so quota checks are O(1))
 *   item            item id, deposit id, envelope (sealed), its size, expiry
 *   nullifier       spent deposit nullifiers (public values) and when they may be forgotten
 *   refusal         counters of refused requests by reason (no per-request rows)
 *
 * No sender identity, no commitment, no root, no timestamps of deposits or fetches beyond expiries
 * (kept to the next hour, relay_service.ts `coarseExpiry`, so they do not date a deposit either):
 * nothing here links a deposit to a member or records who fetched what. Every row expires.
 */
import { randomBytes } from "node:crypto";
import { type Database, openDatabase } from "../store/db.ts";
import type { Migration } from "../store/migrations.ts";
import type { Sealer } from "../store/sealer.ts";
import { StoreWriter } from "../store/writer.ts";
import { parseRules, type RelayRules } from "./relay_rules.ts";

export const RELAY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "relay",
    sql: `
      CREATE TABLE vault (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        kdf TEXT NOT NULL,
        salt BLOB NOT NULL,
        opslimit INTEGER NOT NULL,
        memlimit INTEGER NOT NULL,
        wrapped_key BLOB NOT NULL
      ) STRICT;
      CREATE TABLE relay_identity (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seed_sealed BLOB NOT NULL,
        rules TEXT NOT NULL
      ) STRICT;
      CREATE TABLE mailbox (
        fetch_id BLOB PRIMARY KEY,
        deposit_id BLOB NOT NULL UNIQUE,
        owner_sealed BLOB NOT NULL,
        expires_at INTEGER NOT NULL,
        items INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE TABLE item (
        item_id BLOB PRIMARY KEY,
        deposit_id BLOB NOT NULL REFERENCES mailbox (deposit_id) ON DELETE CASCADE,
        envelope_sealed BLOB NOT NULL,
        size INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX item_mailbox ON item (deposit_id);
      CREATE INDEX item_expiry ON item (expires_at);
      CREATE TABLE nullifier (
        nullifier TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX nullifier_expiry ON nullifier (expires_at);
      CREATE TABLE refusal (
        reason TEXT PRIMARY KEY,
        count INTEGER NOT NULL
      ) STRICT;
    `,
  },
];

const SEED_AT = { label: "relay_identity.seed", row: 1 };
const ownerAt = (fetchId: Uint8Array) => ({ label: "mailbox.owner", row: fetchId });
const envelopeAt = (itemId: Uint8Array) => ({ label: "item.envelope", row: itemId });

export interface MailboxUse {
  items: number;
  bytes: number;
}

export interface StoredItem {
  itemId: Uint8Array;
  envelope: Uint8Array;
}

export interface RelayTotals {
  mailboxes: number;
  items: number;
  bytes: number;
  nullifiers: number;
  refused: Record<string, number>;
}

/** Opens relay.db (creating it with `create`) with the relay's schema. */
export function openRelayDatabase(path: string, options: { create?: boolean } = {}): Database {
  return openDatabase(path, { create: options.create, migrations: RELAY_MIGRATIONS });
}

/** The relay's rows; every write goes through the one writer. */
export class RelayStore {
  readonly writer: StoreWriter;

  constructor(readonly db: Database, readonly sealer: Sealer) {
    this.writer = new StoreWriter(db);
  }

  /** The relay's Ed25519 seed; undefined before `saveSeed`. */
  seed(): Uint8Array | undefined {
    const row = this.db.prepare("SELECT seed_sealed FROM relay_identity WHERE id = 1").get() as
      | { seed_sealed: Uint8Array }
      | undefined;
    return row ? this.sealer.open(SEED_AT, new Uint8Array(row.seed_sealed)) : undefined;
  }

  /** Stores the seed and the rules (at init). */
  saveIdentity(seed: Uint8Array, rules: RelayRules): void {
    this.db.prepare("INSERT INTO relay_identity (id, seed_sealed, rules) VALUES (1, ?, ?)")
      .run(this.sealer.seal(SEED_AT, seed), JSON.stringify(rules));
  }

  mailboxCount(): number {
    return count(this.db, "SELECT count(*) AS n FROM mailbox");
  }

  /** Creates a mailbox with fresh random ids for `ownerKey`. */
  openMailbox(
    ownerKey: Uint8Array,
    expiresAt: number,
  ): Promise<{ fetchId: Uint8Array; depositId: Uint8Array }> {
    const fetchId = new Uint8Array(randomBytes(16));
    const depositId = new Uint8Array(randomBytes(16));
    return this.writer.write(() => {
      this.db.prepare(
        "INSERT INTO mailbox (fetch_id, deposit_id, owner_sealed, expires_at) VALUES (?, ?, ?, ?)",
      ).run(fetchId, depositId, this.sealer.seal(ownerAt(fetchId), ownerKey), expiresAt);
      return { fetchId, depositId };
    });
  }

  /** The mailbox's deposit id and owner key by its fetch id. */
  mailboxByFetchId(
    fetchId: Uint8Array,
  ): { depositId: Uint8Array; ownerKey: Uint8Array } | undefined {
    const row = this.db.prepare("SELECT deposit_id, owner_sealed FROM mailbox WHERE fetch_id = ?")
      .get(fetchId) as { deposit_id: Uint8Array; owner_sealed: Uint8Array } | undefined;
    if (!row) return undefined;
    return {
      depositId: new Uint8Array(row.deposit_id),
      ownerKey: this.sealer.open(ownerAt(fetchId), new Uint8Array(row.owner_sealed)),
    };
  }

  /** Items and bytes held for a deposit id; undefined when no such mailbox. */
  mailboxUse(depositId: Uint8Array): MailboxUse | undefined {
    const row = this.db.prepare("SELECT items, bytes FROM mailbox WHERE deposit_id = ?")
      .get(depositId) as { items: number; bytes: number } | undefined;
    return row ? { items: Number(row.items), bytes: Number(row.bytes) } : undefined;
  }

  isSpent(nullifier: bigint): boolean {
    return this.db.prepare("SELECT 1 FROM nullifier WHERE nullifier = ?").get(String(nullifier)) !==
      undefined;
  }

  /**
   * Records the nullifier and stores the envelope in one transaction, if the nullifier is still
   * unspent and the mailbox still has room; else changes nothing and says why.
   */
  deposit(entry: {
    depositId: Uint8Array;
    envelope: Uint8Array;
    nullifier: bigint;
    nullifierExpiresAt: number;
    expiresAt: number;
    quota: MailboxUse;
  }): Promise<"stored" | "nullifier_spent" | "mailbox_full" | "unknown_mailbox"> {
    return this.writer.write(() => {
      const use = this.mailboxUse(entry.depositId);
      if (!use) return "unknown_mailbox" as const;
      if (
        use.items + 1 > entry.quota.items || use.bytes + entry.envelope.length > entry.quota.bytes
      ) return "mailbox_full" as const;
      const spent = this.db.prepare(
        "INSERT OR IGNORE INTO nullifier (nullifier, expires_at) VALUES (?, ?)",
      ).run(String(entry.nullifier), entry.nullifierExpiresAt);
      if (Number(spent.changes) !== 1) return "nullifier_spent" as const;
      const itemId = new Uint8Array(randomBytes(16));
      this.db.prepare(
        "INSERT INTO item (item_id, deposit_id, envelope_sealed, size, expires_at) VALUES (?, ?, ?, ?, ?)",
      ).run(
        itemId,
        entry.depositId,
        this.sealer.seal(envelopeAt(itemId), entry.envelope),
        entry.envelope.length,
        entry.expiresAt,
      );
      this.db.prepare(
        "UPDATE mailbox SET items = items + 1, bytes = bytes + ? WHERE deposit_id = ?",
      ).run(entry.envelope.length, entry.depositId);
      return "stored" as const;
    });
  }

  /** Up to `max` unexpired items of a mailbox, oldest first. */
  items(depositId: Uint8Array, max: number, now: number): StoredItem[] {
    const rows = this.db.prepare(
      "SELECT item_id, envelope_sealed FROM item WHERE deposit_id = ? AND expires_at > ? ORDER BY rowid LIMIT ?",
    ).all(depositId, now, max) as { item_id: Uint8Array; envelope_sealed: Uint8Array }[];
    return rows.map((row) => {
      const itemId = new Uint8Array(row.item_id);
      return {
        itemId,
        envelope: this.sealer.open(envelopeAt(itemId), new Uint8Array(row.envelope_sealed)),
      };
    });
  }

  /** Deletes the given items of one mailbox (others' ids are ignored); returns how many. */
  ack(depositId: Uint8Array, itemIds: readonly Uint8Array[]): Promise<number> {
    return this.writer.write(() => {
      const remove = this.db.prepare(
        "DELETE FROM item WHERE item_id = ? AND deposit_id = ? RETURNING size",
      );
      let deleted = 0;
      let bytes = 0;
      for (const id of itemIds) {
        const row = remove.get(id, depositId) as { size: number } | undefined;
        if (!row) continue;
        deleted++;
        bytes += Number(row.size);
      }
      this.db.prepare(
        "UPDATE mailbox SET items = items - ?, bytes = bytes - ? WHERE deposit_id = ?",
      )
        .run(deleted, bytes, depositId);
      return deleted;
    });
  }

  /** Keeps a mailbox alive until `expiresAt` (called on each authenticated fetch). */
  touch(fetchId: Uint8Array, expiresAt: number): Promise<void> {
    return this.writer.write(() => {
      this.db.prepare("UPDATE mailbox SET expires_at = max(expires_at, ?) WHERE fetch_id = ?")
        .run(expiresAt, fetchId);
    });
  }

  /** Deletes a mailbox and its items. */
  closeMailbox(fetchId: Uint8Array): Promise<boolean> {
    return this.writer.write(() =>
      Number(this.db.prepare("DELETE FROM mailbox WHERE fetch_id = ?").run(fetchId).changes) === 1
    );
  }

  /** Deletes everything expired at `now`; returns how many rows of each kind. */
  sweep(now: number): Promise<{ items: number; mailboxes: number; nullifiers: number }> {
    return this.writer.write(() => {
      const expired = this.db.prepare(
        "SELECT deposit_id, count(*) AS n, sum(size) AS bytes FROM item WHERE expires_at <= ? GROUP BY deposit_id",
      ).all(now) as { deposit_id: Uint8Array; n: number; bytes: number }[];
      const items = Number(
        this.db.prepare("DELETE FROM item WHERE expires_at <= ?").run(now).changes,
      );
      const adjust = this.db.prepare(
        "UPDATE mailbox SET items = items - ?, bytes = bytes - ? WHERE deposit_id = ?",
      );
      for (const row of expired) adjust.run(Number(row.n), Number(row.bytes), row.deposit_id);
      return {
        items,
        mailboxes: Number(
          this.db.prepare("DELETE FROM mailbox WHERE expires_at <= ?").run(now).changes,
        ),
        nullifiers: Number(
          this.db.prepare("DELETE FROM nullifier WHERE expires_at <= ?").run(now).changes,
        ),
      };
    });
  }

  /** Adds refusal counts (flushed from memory now and then, not per request). */
  addRefusals(counts: ReadonlyMap<string, number>): Promise<void> {
    if (counts.size === 0) return Promise.resolve();
    return this.writer.write(() => {
      const add = this.db.prepare(
        "INSERT INTO refusal (reason, count) VALUES (?, ?) ON CONFLICT (reason) DO UPDATE SET count = count + excluded.count",
      );
      for (const [reason, n] of counts) add.run(reason, n);
    });
  }

  close(): void {
    this.sealer.wipe();
    this.db.close();
  }
}

/** Totals for `relay status`; reads only unsealed counters, so no passphrase is needed. */
/** The rules the relay was initialised with (unsealed: they are on its public card). */
export function relayRules(db: Database): RelayRules | undefined {
  const row = db.prepare("SELECT rules FROM relay_identity WHERE id = 1").get() as
    | { rules: string }
    | undefined;
  return row ? parseRules(JSON.parse(row.rules)) : undefined;
}

export function relayTotals(db: Database): RelayTotals {
  const items = db.prepare("SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM item")
    .get() as {
      n: number;
      bytes: number;
    };
  const refused: Record<string, number> = {};
  for (
    const row of db.prepare("SELECT reason, count FROM refusal ORDER BY reason").all() as {
      reason: string;
      count: number;
    }[]
  ) refused[row.reason] = Number(row.count);
  return {
    mailboxes: count(db, "SELECT count(*) AS n FROM mailbox"),
    items: Number(items.n),
    bytes: Number(items.bytes),
    nullifiers: count(db, "SELECT count(*) AS n FROM nullifier"),
    refused,
  };
}

function count(db: Database, sql: string): number {
  return Number((db.prepare(sql).get() as { n: number }).n);
}
