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
  {
    version: 2,
    name: "messages, outbox and seen ids",
    sql: `
      CREATE TABLE messages (
        id BLOB PRIMARY KEY,
        contact_id INTEGER NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        type INTEGER NOT NULL,
        body_sealed BLOB NOT NULL,
        burn INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        stored_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        read_at INTEGER
      ) STRICT;
      CREATE INDEX messages_by_contact ON messages (contact_id, stored_at);
      CREATE INDEX messages_by_expiry ON messages (expires_at);
      CREATE TABLE outbox (
        id BLOB PRIMARY KEY,
        contact_id INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('message', 'control')),
        ciphertext_sealed BLOB NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        last_error TEXT
      ) STRICT;
      CREATE INDEX outbox_due ON outbox (contact_id, next_attempt_at);
      CREATE TABLE seen (
        contact_id INTEGER NOT NULL,
        id BLOB NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (contact_id, id)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: "contacts and libsignal stores",
    // Row keys that would reveal who a contact is (Ed25519 key, name, libsignal address) are
    // stored only as keyed HMAC-SHA-256 tags (key sealed in signal_identity); prekey ids and times
    // are plain because libsignal looks them up by id and rotation needs the times.
    sql: `
      CREATE TABLE signal_identity (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        keys_sealed BLOB NOT NULL
      ) STRICT;
      CREATE TABLE signal_signed_prekeys (
        id INTEGER PRIMARY KEY,
        record_sealed BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        retire_after INTEGER
      ) STRICT;
      CREATE TABLE signal_kyber_prekeys (
        id INTEGER PRIMARY KEY,
        record_sealed BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        last_resort INTEGER NOT NULL,
        retire_after INTEGER
      ) STRICT;
      CREATE TABLE signal_kyber_used (
        tag BLOB PRIMARY KEY,
        kyber_id INTEGER NOT NULL REFERENCES signal_kyber_prekeys (id) ON DELETE CASCADE
      ) STRICT;
      CREATE INDEX signal_kyber_used_by_key ON signal_kyber_used (kyber_id);
      CREATE TABLE signal_prekeys (
        id INTEGER PRIMARY KEY,
        record_sealed BLOB NOT NULL
      ) STRICT;
      CREATE TABLE signal_sessions (
        address_tag BLOB PRIMARY KEY,
        record_sealed BLOB NOT NULL
      ) STRICT;
      CREATE TABLE contacts (
        id INTEGER PRIMARY KEY,
        key_tag BLOB NOT NULL UNIQUE,
        name_tag BLOB NOT NULL UNIQUE,
        record_sealed BLOB NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: "contact ids are never reused",
    // Messages, outbox items and seen ids point at contacts by id. Without AUTOINCREMENT SQLite
    // hands a freed id (the highest, removed) to the next insert, and a new contact would inherit
    // the removed one's history and queue. SQLite cannot add AUTOINCREMENT in place, so the table
    // is rebuilt (sqlite_sequence starts at the highest id copied). Rows left behind by earlier
    // removals (no contact with their id) are deleted; secure_delete overwrites them.
    sql: `
      CREATE TABLE contacts_v4 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key_tag BLOB NOT NULL UNIQUE,
        name_tag BLOB NOT NULL UNIQUE,
        record_sealed BLOB NOT NULL
      ) STRICT;
      INSERT INTO contacts_v4 (id, key_tag, name_tag, record_sealed)
        SELECT id, key_tag, name_tag, record_sealed FROM contacts;
      DROP TABLE contacts;
      ALTER TABLE contacts_v4 RENAME TO contacts;
      DELETE FROM messages WHERE contact_id NOT IN (SELECT id FROM contacts);
      DELETE FROM outbox WHERE contact_id NOT IN (SELECT id FROM contacts);
      DELETE FROM seen WHERE contact_id NOT IN (SELECT id FROM contacts);
    `,
  },
  {
    version: 5,
    name: "per-contact inbound usage",
    // Per-contact quotas (node/inbound_limits.ts) need each contact's count and sealed bytes of
    // incoming messages on every delivery; summing length(body_sealed) reads every row (≈50 ms at
    // 10,000 messages of 6 KB). Triggers keep the totals in step with every insert and delete,
    // whoever makes it (receive, burn, expiry sweep, contact removal). Bodies are never updated.
    sql: `
      CREATE TABLE inbound_usage (
        contact_id INTEGER PRIMARY KEY,
        messages INTEGER NOT NULL,
        bytes INTEGER NOT NULL
      ) STRICT;
      INSERT INTO inbound_usage (contact_id, messages, bytes)
        SELECT contact_id, count(*), sum(length(body_sealed)) FROM messages
        WHERE direction = 'in' GROUP BY contact_id;
      CREATE TRIGGER inbound_usage_insert AFTER INSERT ON messages WHEN NEW.direction = 'in'
      BEGIN
        INSERT INTO inbound_usage (contact_id, messages, bytes)
          VALUES (NEW.contact_id, 1, length(NEW.body_sealed))
          ON CONFLICT (contact_id) DO UPDATE
            SET messages = messages + 1, bytes = bytes + excluded.bytes;
      END;
      CREATE TRIGGER inbound_usage_delete AFTER DELETE ON messages WHEN OLD.direction = 'in'
      BEGIN
        UPDATE inbound_usage
          SET messages = messages - 1, bytes = bytes - length(OLD.body_sealed)
          WHERE contact_id = OLD.contact_id;
      END;
    `,
  },
  {
    version: 6,
    name: "the outbox's last error is sealed",
    // A failed dial's message names the contact's onion ("Cannot reach <onion>.onion through
    // Tor…"): stored plain, every offline contact leaked the address book. The plain column is
    // dropped (secure_delete overwrites its pages) and the error is sealed per item from now on.
    sql: `
      ALTER TABLE outbox DROP COLUMN last_error;
      ALTER TABLE outbox ADD COLUMN last_error_sealed BLOB;
    `,
  },
  {
    version: 7,
    name: "exported cards, for a short form's request",
    // The cards `card export` gave out, so a stranger holding a QR code's short form (key + hash
    // of the card, crypto/card_short.ts) can fetch the full card from the node. Looked up by a
    // keyed tag of the card's SHA-256 (a plain hash would let whoever holds the QR code recognise
    // this file); the card text is sealed. Expired cards are deleted; at most 32 are kept.
    sql: `
      CREATE TABLE exported_cards (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        hash_tag BLOB NOT NULL UNIQUE,
        card_sealed BLOB NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 8,
    name: "group peers and the group outbox",
    // Group members who are not contacts (node/group_peers.ts, store/group_peers.ts): one row per
    // (group, member), both only as keyed tags; the record (group id, Ed25519 key, onion) sealed.
    // The group outbox (store/group_outbox.ts) queues opaque group envelopes for those members:
    // each envelope's bytes are sealed once (found again by a keyed tag of the bytes) and every
    // recipient has its own row, attempts and backoff. The recipient (key, onion) is sealed per row.
    sql: `
      CREATE TABLE group_peers (
        group_tag BLOB NOT NULL,
        key_tag BLOB NOT NULL,
        record_sealed BLOB NOT NULL,
        PRIMARY KEY (group_tag, key_tag)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX group_peers_by_key ON group_peers (key_tag);
      CREATE TABLE group_envelopes (
        id BLOB PRIMARY KEY,
        bytes_tag BLOB NOT NULL UNIQUE,
        bytes_sealed BLOB NOT NULL
      ) STRICT;
      CREATE TABLE group_outbox (
        envelope_id BLOB NOT NULL,
        peer_tag BLOB NOT NULL,
        peer_sealed BLOB NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        last_error_sealed BLOB,
        UNIQUE (peer_tag, envelope_id)
      ) STRICT;
      CREATE INDEX group_outbox_due ON group_outbox (peer_tag, next_attempt_at);
      CREATE INDEX group_outbox_by_envelope ON group_outbox (envelope_id);
    `,
  },
  {
    version: 9,
    name: "groups",
    // Groups on MLS (src/group/). Everything that says who or what is sealed: a group's record
    // (id, name, owner, roster, sequence numbers, acks; an invitation is a group row flagged
    // invited until accepted) and its MLS state (which holds the
    // identity seed: the leaf signs with it), the owner's commit log, held commits and posts,
    // posts and key packages' private halves. Plain: local row ids, sequence numbers
    // and times (ordering and expiry need them), and digests of ciphertexts already seen.
    sql: `
      CREATE TABLE groups (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        record_sealed BLOB NOT NULL,
        state_sealed BLOB NOT NULL
      ) STRICT;
      CREATE TABLE group_commits (
        group_row INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        commit_sealed BLOB NOT NULL,
        PRIMARY KEY (group_row, seq)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE group_held (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        group_row INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('commit', 'post')),
        position INTEGER NOT NULL,
        bytes_sealed BLOB NOT NULL,
        held_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX group_held_by_group ON group_held (group_row, kind, position);
      CREATE TABLE group_posts (
        id BLOB PRIMARY KEY,
        group_row INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        post_sealed BLOB NOT NULL,
        burn INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        stored_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        read_at INTEGER
      ) STRICT;
      CREATE INDEX group_posts_by_group ON group_posts (group_row, stored_at);
      CREATE INDEX group_posts_by_expiry ON group_posts (expires_at);
      CREATE TABLE group_seen (
        group_row INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
        digest BLOB NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (group_row, digest)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE group_key_packages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        bundle_sealed BLOB NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 10,
    name: "file transfers and their chunks",
    // Attachments (protocol/file_descriptor.ts). The chunks live here, in SQLite, rather than in
    // files under the home: a chunk's insert and the high-water mark the receiver reports commit in
    // one transaction (no chunk file can be half-written or orphaned by a crash between the two),
    // secure_delete zeroes the pages of burnt or expired chunks like any message's, `panic`'s wipe
    // already empties every table, and the home's layout and guard need no new entry. Chunks stay
    // secretstream ciphertext; their key sits only in the descriptor, which is the message body,
    // sealed under the vault key. A transfer follows its message: deleting the message (burn, TTL,
    // contact removal) deletes the transfer, and that its chunks.
    sql: `
      CREATE TABLE transfers (
        id BLOB PRIMARY KEY,
        contact_id INTEGER NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        size INTEGER NOT NULL,
        chunks INTEGER NOT NULL,
        have INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX transfers_by_contact ON transfers (contact_id, direction, state);
      CREATE TABLE file_chunks (
        transfer_id BLOB NOT NULL,
        idx INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (transfer_id, idx)
      ) STRICT;
      CREATE TRIGGER transfers_follow_messages AFTER DELETE ON messages
      BEGIN
        DELETE FROM transfers WHERE id = OLD.id;
      END;
      CREATE TRIGGER chunks_follow_transfers AFTER DELETE ON transfers
      BEGIN
        DELETE FROM file_chunks WHERE transfer_id = OLD.id;
      END;
    `,
  },
  {
    version: 11,
    name: "relay mailboxes and deposits",
    // The user side of relays (docs/relay.md, "Client"): own mailboxes, one sealed record each
    // (the relay's card, the mailbox's owner key, fetch and deposit ids, its box key); deposit
    // slots used per (relay, epoch), keyed by a tag of the relay's onion, so a slot is never
    // reused (a reused slot is a spent nullifier); on each outbox item, when direct delivery first
    // failed, whether it goes by relay at once (`send --via-relay`), when it was deposited, and
    // the relay's last refusal (sealed: it names the relay).
    sql: `
      CREATE TABLE mailboxes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        record_sealed BLOB NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE relay_slots (
        relay_tag BLOB NOT NULL,
        epoch INTEGER NOT NULL,
        used INTEGER NOT NULL,
        PRIMARY KEY (relay_tag, epoch)
      ) STRICT, WITHOUT ROWID;
      ALTER TABLE outbox ADD COLUMN first_failed_at INTEGER;
      ALTER TABLE outbox ADD COLUMN via_relay INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE outbox ADD COLUMN relayed_at INTEGER;
      ALTER TABLE outbox ADD COLUMN relay_error_sealed BLOB;
    `,
  },
];
