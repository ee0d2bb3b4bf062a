/**
 * The group outbox: opaque group envelopes queued for group peers who are not contacts (to a
 * contact, an envelope is a `group` payload in the ordinary outbox, inside the 1:1 session).
 *
 * Each envelope's bytes are sealed once (`group_envelopes`, found again by a keyed tag of the
 * bytes, so the same ciphertext fanned out to many members is stored once); each recipient has its
 * own row in `group_outbox` with its own attempts and backoff, so one offline member delays nobody
 * else. The recipient (key and onion) is sealed per row, bound to the envelope and peer tag. A row
 * leaves when the peer acks it or when it expires; an envelope leaves with its last row.
 */
import { randomBytes } from "node:crypto";
import type { Database } from "./db.ts";
import type { SealedAt, Sealer } from "./sealer.ts";
import { rowTag } from "./signal_keys.ts";
import { fromHex, toHex } from "../crypto/hex.ts";
import { type GroupPeer, peerTag } from "./group_peers.ts";

export interface GroupOutboxItem {
  /** The envelope's id: the `deliver_group` id on the wire. */
  id: Uint8Array;
  peer: GroupPeer;
  peerTag: Uint8Array;
  envelope: Uint8Array;
  attempts: number;
  nextAttemptAt: number;
  expiresAt: number;
  lastError: string | null;
}

interface Row {
  envelope_id: Uint8Array;
  peer_tag: Uint8Array;
  peer_sealed: Uint8Array;
  bytes_sealed: Uint8Array;
  attempts: number;
  next_attempt_at: number;
  expires_at: number;
  last_error_sealed: Uint8Array | null;
}

function bytesAt(id: Uint8Array): SealedAt {
  return { label: "group_envelopes.bytes", row: id };
}

function peerAt(id: Uint8Array, tag: Uint8Array): SealedAt {
  return { label: "group_outbox.peer", row: `${toHex(id)}/${toHex(tag)}` };
}

function lastErrorAt(id: Uint8Array, tag: Uint8Array): SealedAt {
  return { label: "group_outbox.last_error", row: `${toHex(id)}/${toHex(tag)}` };
}

/**
 * Queues `envelope` for `peer`; returns the envelope's id. The same bytes queued again (for
 * another member) reuse the stored envelope; queued again for the same member, nothing changes
 * but a later expiry. Call inside the store's writer.
 */
export function enqueueGroupEnvelope(
  db: Database,
  sealer: Sealer,
  indexKey: Uint8Array,
  item: { peer: GroupPeer; envelope: Uint8Array; expiresAt: number },
  now: number,
): Uint8Array {
  const bytesTag = rowTag(indexKey, "group.envelope", item.envelope);
  const found = db.prepare("SELECT id FROM group_envelopes WHERE bytes_tag = ?").get(bytesTag) as
    | { id: Uint8Array }
    | undefined;
  let id: Uint8Array;
  if (found) {
    id = new Uint8Array(found.id);
  } else {
    id = new Uint8Array(randomBytes(16));
    db.prepare("INSERT INTO group_envelopes (id, bytes_tag, bytes_sealed) VALUES (?, ?, ?)").run(
      id,
      bytesTag,
      sealer.seal(bytesAt(id), item.envelope),
    );
  }
  const tag = peerTag(indexKey, item.peer.publicKey);
  const peer = sealer.sealJson(peerAt(id, tag), {
    key: toHex(item.peer.publicKey),
    onion: item.peer.onion,
  });
  db.prepare(
    `INSERT INTO group_outbox (envelope_id, peer_tag, peer_sealed, next_attempt_at, expires_at)
     VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (peer_tag, envelope_id) DO UPDATE
       SET expires_at = max(expires_at, excluded.expires_at)`,
  ).run(id, tag, peer, now, item.expiresAt);
  return id;
}

/** Peers (by tag, as hex) with at least one item due at `now` (any item, with `ignoreBackoff`). */
export function peersWithDueItems(db: Database, now: number, ignoreBackoff = false): string[] {
  const rows = db.prepare(
    `SELECT DISTINCT peer_tag FROM group_outbox
     WHERE expires_at > ? AND (? OR next_attempt_at <= ?)`,
  ).all(now, ignoreBackoff ? 1 : 0, now) as Array<{ peer_tag: Uint8Array }>;
  return rows.map((row) => toHex(new Uint8Array(row.peer_tag)));
}

/** One peer's items in enqueue order, oldest first. */
export function groupItemsFor(
  db: Database,
  sealer: Sealer,
  tag: Uint8Array,
  now: number,
  limit = 100,
): GroupOutboxItem[] {
  const rows = db.prepare(
    `SELECT o.*, e.bytes_sealed FROM group_outbox o JOIN group_envelopes e ON e.id = o.envelope_id
     WHERE o.peer_tag = ? AND o.expires_at > ? ORDER BY o.rowid LIMIT ?`,
  ).all(tag, now, limit) as unknown as Row[];
  return rows.map((row) => fromRow(sealer, row));
}

/** Every queued group item, oldest first. */
export function listGroupOutbox(db: Database, sealer: Sealer): GroupOutboxItem[] {
  const rows = db.prepare(
    `SELECT o.*, e.bytes_sealed FROM group_outbox o JOIN group_envelopes e ON e.id = o.envelope_id
     ORDER BY o.rowid`,
  ).all() as unknown as Row[];
  return rows.map((row) => fromRow(sealer, row));
}

/** Stored envelopes (each once, however many members it is queued for). */
export function groupEnvelopeCount(db: Database): number {
  return Number(
    (db.prepare("SELECT count(*) AS n FROM group_envelopes").get() as { n: number }).n,
  );
}

/**
 * Reschedules every remaining item of one peer after a failed attempt, each `delay(attempts)` from
 * now; returns the most attempts. Other peers' items are untouched.
 */
export function recordGroupFailure(
  db: Database,
  sealer: Sealer,
  tag: Uint8Array,
  failure: { error: string; now: number; delay: (attempts: number) => number },
): number {
  const { error, now, delay } = failure;
  const rows = db.prepare("SELECT envelope_id, attempts FROM group_outbox WHERE peer_tag = ?")
    .all(tag) as Array<{ envelope_id: Uint8Array; attempts: number }>;
  const update = db.prepare(
    `UPDATE group_outbox SET attempts = ?, next_attempt_at = ?, last_error_sealed = ?
     WHERE peer_tag = ? AND envelope_id = ?`,
  );
  let most = 0;
  for (const row of rows) {
    const attempts = Number(row.attempts) + 1;
    most = Math.max(most, attempts);
    const id = new Uint8Array(row.envelope_id);
    update.run(
      attempts,
      now + delay(attempts),
      sealer.sealText(lastErrorAt(id, tag), error),
      tag,
      id,
    );
  }
  return most;
}

/** Removes one peer's item, and the envelope with its last item; returns whether it was there. */
export function removeGroupItem(db: Database, tag: Uint8Array, id: Uint8Array): boolean {
  const removed = Number(
    db.prepare("DELETE FROM group_outbox WHERE peer_tag = ? AND envelope_id = ?").run(tag, id)
      .changes,
  ) > 0;
  db.prepare(
    `DELETE FROM group_envelopes WHERE id = ?
     AND NOT EXISTS (SELECT 1 FROM group_outbox WHERE envelope_id = ?)`,
  ).run(id, id);
  return removed;
}

/** Removes items past their expiry (and envelopes nobody waits for); returns how many. */
export function expireGroupOutbox(db: Database, now: number): number {
  const n = Number(db.prepare("DELETE FROM group_outbox WHERE expires_at <= ?").run(now).changes);
  if (n > 0) dropOrphans(db);
  return n;
}

function dropOrphans(db: Database): void {
  db.prepare(
    `DELETE FROM group_envelopes
     WHERE NOT EXISTS (SELECT 1 FROM group_outbox WHERE envelope_id = group_envelopes.id)`,
  ).run();
}

function fromRow(sealer: Sealer, row: Row): GroupOutboxItem {
  const id = new Uint8Array(row.envelope_id);
  const tag = new Uint8Array(row.peer_tag);
  const peer = sealer.openJson<{ key: string; onion: string }>(
    peerAt(id, tag),
    new Uint8Array(row.peer_sealed),
  );
  return {
    id,
    peer: { publicKey: fromHex(peer.key), onion: peer.onion },
    peerTag: tag,
    envelope: sealer.open(bytesAt(id), new Uint8Array(row.bytes_sealed)),
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    expiresAt: Number(row.expires_at),
    lastError: row.last_error_sealed === null
      ? null
      : sealer.openText(lastErrorAt(id, tag), new Uint8Array(row.last_error_sealed)),
  };
}

/** Queued (envelope, member) items: what `queue run` still has to deliver to group peers. */
export function groupOutboxCount(db: Database): number {
  return Number((db.prepare("SELECT count(*) AS n FROM group_outbox").get() as { n: number }).n);
}
