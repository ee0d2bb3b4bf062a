/**
 * Everything stored about one contact besides its row and session: messages (both directions),
 * queued outbox items and remembered incoming ids. Deleted together when the contact goes, or when
 * `card import --replace` swaps in a different Ed25519 identity, so no later contact and no new
 * identity ever sees, receives or burns the old one's history.
 */
import type { Database } from "./db.ts";

export interface DeletedHistory {
  messages: number;
  outbox: number;
  seen: number;
}

/** Deletes a contact's messages, outbox items and seen ids; run inside a transaction. */
export function deleteContactHistory(db: Database, contactId: number): DeletedHistory {
  const run = (table: "messages" | "outbox" | "seen") =>
    Number(db.prepare(`DELETE FROM ${table} WHERE contact_id = ?`).run(contactId).changes);
  return { messages: run("messages"), outbox: run("outbox"), seen: run("seen") };
}
