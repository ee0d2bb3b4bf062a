/**
 * File transfers at rest (migration 10): one row per attachment sent or received, and its chunks,
 * still secretstream ciphertext (their key is in the sealed descriptor, the message body).
 *
 * Outgoing: `preparing` while the sender streams the file in, `sending` once its descriptor is
 * queued (`have` is what the peer last confirmed), `done` once the peer verified it (the chunks
 * are then deleted). Incoming: `receiving` (`have` = leading chunks stored), then `complete` or
 * `corrupt` after the end-to-end check. Deleting the message deletes its transfer and chunks.
 */
import type { Database } from "./db.ts";
import type { Direction } from "./messages.ts";

export type TransferState = "preparing" | "sending" | "done" | "receiving" | "complete" | "corrupt";

export interface Transfer {
  id: Uint8Array;
  contactId: number;
  direction: Direction;
  size: number;
  chunks: number;
  have: number;
  state: TransferState;
  createdAt: number;
}

interface Row {
  id: Uint8Array;
  contact_id: number;
  direction: Direction;
  size: number;
  chunks: number;
  have: number;
  state: TransferState;
  created_at: number;
}

type Statement = ReturnType<Database["prepare"]>;
const statements = new WeakMap<Database, Map<string, Statement>>();

/**
 * A prepared statement, made once per database: node:sqlite keeps what a statement bound (a
 * 64 KiB chunk) until the statement object is collected, so preparing one per chunk held ≈1 MiB
 * of native memory per MiB of file until the GC ran.
 */
function statement(db: Database, sql: string): Statement {
  let map = statements.get(db);
  if (!map) statements.set(db, map = new Map());
  let prepared = map.get(sql);
  if (!prepared) map.set(sql, prepared = db.prepare(sql));
  return prepared;
}

export function createTransfer(db: Database, t: Omit<Transfer, "have">): void {
  db.prepare(
    `INSERT INTO transfers (id, contact_id, direction, size, chunks, have, state, created_at)
     VALUES (?, ?, ?, ?, ?, 0, ?, ?)`,
  ).run(t.id, t.contactId, t.direction, t.size, t.chunks, t.state, t.createdAt);
}

export function getTransfer(db: Database, id: Uint8Array): Transfer | undefined {
  const row = statement(db, "SELECT * FROM transfers WHERE id = ?").get(id) as Row | undefined;
  return row ? fromRow(row) : undefined;
}

/** Updates a transfer's size/chunk count (a `preparing` one learns them at the end). */
export function finishPreparing(
  db: Database,
  id: Uint8Array,
  size: number,
  chunks: number,
): void {
  db.prepare(
    "UPDATE transfers SET size = ?, chunks = ?, state = 'sending' WHERE id = ? AND state = 'preparing'",
  ).run(size, chunks, id);
}

/** Sets a transfer's size and chunk count (a received image replaced by its re-encoded copy). */
export function resizeTransfer(db: Database, id: Uint8Array, size: number, chunks: number): void {
  db.prepare("UPDATE transfers SET size = ?, chunks = ?, have = ? WHERE id = ?").run(
    size,
    chunks,
    chunks,
    id,
  );
}

export function setTransfer(
  db: Database,
  id: Uint8Array,
  fields: { have?: number; state?: TransferState },
): void {
  const t = getTransfer(db, id);
  if (!t) return;
  statement(db, "UPDATE transfers SET have = ?, state = ? WHERE id = ?").run(
    fields.have ?? t.have,
    fields.state ?? t.state,
    id,
  );
}

export function putChunk(db: Database, id: Uint8Array, index: number, data: Uint8Array): void {
  statement(db, "INSERT OR REPLACE INTO file_chunks (transfer_id, idx, data) VALUES (?, ?, ?)").run(
    id,
    index,
    data,
  );
}

/** Chunks `from` … `from + limit - 1` (those present), in order. */
export function readChunks(
  db: Database,
  id: Uint8Array,
  from: number,
  limit: number,
): Uint8Array[] {
  const rows = statement(
    db,
    "SELECT data FROM file_chunks WHERE transfer_id = ? AND idx >= ? ORDER BY idx LIMIT ?",
  ).all(id, from, limit) as Array<{ data: Uint8Array }>;
  return rows.map((row) => new Uint8Array(row.data));
}

/** Deletes a transfer's chunks (secure_delete zeroes their pages); keeps its row. */
export function dropChunks(db: Database, id: Uint8Array): void {
  db.prepare("DELETE FROM file_chunks WHERE transfer_id = ?").run(id);
}

export function deleteTransfer(db: Database, id: Uint8Array): void {
  db.prepare("DELETE FROM transfers WHERE id = ?").run(id);
}

/** Outgoing transfers to a contact still to be sent, oldest first. */
export function transfersToSend(db: Database, contactId: number): Transfer[] {
  const rows = db.prepare(
    `SELECT * FROM transfers WHERE contact_id = ? AND direction = 'out' AND state = 'sending'
     ORDER BY created_at`,
  ).all(contactId) as unknown as Row[];
  return rows.map(fromRow);
}

/** Contacts with outgoing transfers still to be sent. */
export function contactsWithTransfers(db: Database): number[] {
  const rows = db.prepare(
    "SELECT DISTINCT contact_id FROM transfers WHERE direction = 'out' AND state = 'sending'",
  ).all() as Array<{ contact_id: number }>;
  return rows.map((row) => Number(row.contact_id));
}

/** Bytes of a contact's incoming attachments kept here (what the attachment quota bounds). */
export function incomingBytes(db: Database, contactId: number): number {
  const row = db.prepare(
    "SELECT coalesce(sum(size), 0) AS n FROM transfers WHERE contact_id = ? AND direction = 'in'",
  ).get(contactId) as { n: number };
  return Number(row.n);
}

/** Deletes `preparing` transfers started before `before` (a sender that died mid-file). */
export function dropStalePreparing(db: Database, before: number): number {
  return Number(
    db.prepare("DELETE FROM transfers WHERE state = 'preparing' AND created_at < ?").run(before)
      .changes,
  );
}

function fromRow(row: Row): Transfer {
  return {
    id: new Uint8Array(row.id),
    contactId: Number(row.contact_id),
    direction: row.direction,
    size: Number(row.size),
    chunks: Number(row.chunks),
    have: Number(row.have),
    state: row.state,
    createdAt: Number(row.created_at),
  };
}
