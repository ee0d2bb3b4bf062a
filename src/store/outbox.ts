/**
 * The outbound queue: ciphertexts made at enqueue time (sealed again at rest, label
 * `outbox.ciphertext`, bound to the item's id, contact and kind), retried per recipient so one
 * offline contact delays nobody else. The last delivery error is sealed too (`outbox.last_error`):
 * it names the contact's onion.
 * A row leaves the outbox when the peer acks it, when it expires, or when it is cancelled.
 */
import type { Database } from "./db.ts";
import type { SealedAt, Sealer } from "./sealer.ts";
import { toHex } from "../crypto/hex.ts";

export type OutboxKind = "message" | "control";

export interface OutboxItem {
  id: Uint8Array;
  contactId: number;
  kind: OutboxKind;
  ciphertext: Uint8Array;
  attempts: number;
  nextAttemptAt: number;
  expiresAt: number;
  lastError: string | null;
  /** When it was deposited at a relay (it stays queued until the contact acks it). */
  relayedAt: number | null;
  /** The relay's last refusal or the deposit's last failure. */
  relayError: string | null;
}

interface Row {
  id: Uint8Array;
  contact_id: number;
  kind: OutboxKind;
  ciphertext_sealed: Uint8Array;
  attempts: number;
  next_attempt_at: number;
  expires_at: number;
  last_error_sealed: Uint8Array | null;
  relayed_at: number | null;
  relay_error_sealed: Uint8Array | null;
}

function ciphertextAt(item: { id: Uint8Array; contactId: number; kind: OutboxKind }): SealedAt {
  return { label: "outbox.ciphertext", row: `${toHex(item.id)}/${item.contactId}/${item.kind}` };
}

function relayErrorAt(id: Uint8Array): SealedAt {
  return { label: "outbox.relay_error", row: id };
}

/** Marks an item to be deposited at the contact's relay at once (`send --via-relay`). */
export function setViaRelay(db: Database, id: Uint8Array): void {
  db.prepare("UPDATE outbox SET via_relay = 1 WHERE id = ?").run(id);
}

/**
 * A contact's items to deposit at a relay now: not deposited yet, and marked `via_relay` or
 * failing direct delivery since at least `delayMs` ago.
 */
export function relayDueItems(
  db: Database,
  sealer: Sealer,
  contactId: number,
  now: number,
  delayMs: number,
  limit = 32,
): OutboxItem[] {
  const rows = db.prepare(
    `SELECT * FROM outbox WHERE contact_id = ? AND expires_at > ? AND relayed_at IS NULL
       AND (via_relay = 1 OR (first_failed_at IS NOT NULL AND first_failed_at <= ?))
     ORDER BY rowid LIMIT ?`,
  ).all(contactId, now, now - delayMs, limit) as unknown as Row[];
  return rows.map((row) => fromRow(sealer, row));
}

/** Contacts with an item marked `via_relay` not yet deposited. */
export function contactsWithRelayItems(db: Database, now: number): number[] {
  const rows = db.prepare(
    `SELECT DISTINCT contact_id FROM outbox
     WHERE via_relay = 1 AND relayed_at IS NULL AND expires_at > ?`,
  ).all(now) as Array<{ contact_id: number }>;
  return rows.map((row) => Number(row.contact_id));
}

export function markRelayed(db: Database, id: Uint8Array, now: number): void {
  db.prepare("UPDATE outbox SET relayed_at = ?, relay_error_sealed = NULL WHERE id = ?").run(
    now,
    id,
  );
}

export function recordRelayError(db: Database, sealer: Sealer, id: Uint8Array, error: string) {
  db.prepare("UPDATE outbox SET relay_error_sealed = ? WHERE id = ?").run(
    sealer.sealText(relayErrorAt(id), error),
    id,
  );
}

function lastErrorAt(id: Uint8Array): SealedAt {
  return { label: "outbox.last_error", row: id };
}

export function enqueue(
  db: Database,
  sealer: Sealer,
  item: {
    id: Uint8Array;
    contactId: number;
    kind: OutboxKind;
    ciphertext: Uint8Array;
    expiresAt: number;
  },
  now: number,
): void {
  db.prepare(
    `INSERT INTO outbox (id, contact_id, kind, ciphertext_sealed, next_attempt_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  ).run(
    item.id,
    item.contactId,
    item.kind,
    sealer.seal(ciphertextAt(item), item.ciphertext),
    now,
    item.expiresAt,
  );
}

/** Contacts with at least one item due at `now` (or any item, with `ignoreBackoff`). */
export function contactsWithDueItems(db: Database, now: number, ignoreBackoff = false): number[] {
  const rows = db.prepare(
    `SELECT DISTINCT contact_id FROM outbox WHERE expires_at > ? AND (? OR next_attempt_at <= ?)`,
  ).all(now, ignoreBackoff ? 1 : 0, now) as Array<{ contact_id: number }>;
  return rows.map((row) => Number(row.contact_id));
}

/** One contact's items in enqueue order, oldest first. */
export function itemsFor(
  db: Database,
  sealer: Sealer,
  contactId: number,
  now: number,
  limit = 100,
): OutboxItem[] {
  const rows = db.prepare(
    `SELECT * FROM outbox WHERE contact_id = ? AND expires_at > ? ORDER BY rowid LIMIT ?`,
  ).all(contactId, now, limit) as unknown as Row[];
  return rows.map((row) => fromRow(sealer, row));
}

export function listOutbox(db: Database, sealer: Sealer): OutboxItem[] {
  const rows = db.prepare("SELECT * FROM outbox ORDER BY rowid").all() as unknown as Row[];
  return rows.map((row) => fromRow(sealer, row));
}

export function outboxCount(db: Database): number {
  return Number((db.prepare("SELECT count(*) AS n FROM outbox").get() as { n: number }).n);
}

/**
 * Reschedules every remaining item of a contact after a failed attempt, each `delay(attempts)`
 * from now (the delivery policy's backoff); returns the most attempts.
 */
export function recordFailure(
  db: Database,
  sealer: Sealer,
  contactId: number,
  failure: { error: string; now: number; delay: (attempts: number) => number },
): number {
  const { error, now, delay } = failure;
  const rows = db.prepare("SELECT id, attempts FROM outbox WHERE contact_id = ?").all(
    contactId,
  ) as Array<{ id: Uint8Array; attempts: number }>;
  const update = db.prepare(
    `UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error_sealed = ?,
       first_failed_at = coalesce(first_failed_at, ?) WHERE id = ?`,
  );
  let most = 0;
  for (const row of rows) {
    const attempts = Number(row.attempts) + 1;
    most = Math.max(most, attempts);
    const id = new Uint8Array(row.id);
    update.run(
      attempts,
      now + delay(attempts),
      sealer.sealText(lastErrorAt(id), error),
      now,
      id,
    );
  }
  return most;
}

/** Whether an item is still queued. */
export function isQueued(db: Database, id: Uint8Array): boolean {
  return db.prepare("SELECT 1 FROM outbox WHERE id = ?").get(id) !== undefined;
}

/** Removes an item; returns whether it was there. */
export function removeFromOutbox(db: Database, id: Uint8Array): boolean {
  return Number(db.prepare("DELETE FROM outbox WHERE id = ?").run(id).changes) > 0;
}

/** Removes items past their expiry; returns their ids. */
export function expireOutbox(
  db: Database,
  now: number,
): Array<{ id: Uint8Array; kind: OutboxKind }> {
  const rows = db.prepare("SELECT id, kind FROM outbox WHERE expires_at <= ?").all(now) as Array<
    { id: Uint8Array; kind: OutboxKind }
  >;
  db.prepare("DELETE FROM outbox WHERE expires_at <= ?").run(now);
  return rows.map((row) => ({ id: new Uint8Array(row.id), kind: row.kind }));
}

function fromRow(sealer: Sealer, row: Row): OutboxItem {
  const id = new Uint8Array(row.id);
  const contactId = Number(row.contact_id);
  return {
    id,
    contactId,
    kind: row.kind,
    ciphertext: sealer.open(
      ciphertextAt({ id, contactId, kind: row.kind }),
      new Uint8Array(row.ciphertext_sealed),
    ),
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    expiresAt: Number(row.expires_at),
    lastError: row.last_error_sealed === null
      ? null
      : sealer.openText(lastErrorAt(id), new Uint8Array(row.last_error_sealed)),
    relayedAt: row.relayed_at === null ? null : Number(row.relayed_at),
    relayError: row.relay_error_sealed === null
      ? null
      : sealer.openText(relayErrorAt(id), new Uint8Array(row.relay_error_sealed)),
  };
}
