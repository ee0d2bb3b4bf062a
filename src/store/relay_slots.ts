/**
 * Deposit slots used per (relay, epoch): a slot is taken — and committed — before its proof is
 * made, so it is never used twice, even across a crash or restart (a reused slot gives the same
 * nullifier, which the relay refuses as spent). The relay is named by a keyed tag of its onion.
 */
import type { Database } from "./db.ts";
import { rowTag } from "./signal_keys.ts";

export function relayTag(indexKey: Uint8Array, onion: string): Uint8Array {
  return rowTag(indexKey, "relay.onion", new TextEncoder().encode(onion));
}

/** Takes the next unused slot < `slots` of `epoch` at the relay; undefined when all are used. */
export function takeSlot(
  db: Database,
  tag: Uint8Array,
  epoch: number,
  slots: number,
): number | undefined {
  const row = db.prepare("SELECT used FROM relay_slots WHERE relay_tag = ? AND epoch = ?")
    .get(tag, epoch) as { used: number } | undefined;
  const used = row ? Number(row.used) : 0;
  if (used >= slots) return undefined;
  db.prepare(
    `INSERT INTO relay_slots (relay_tag, epoch, used) VALUES (?, ?, 1)
     ON CONFLICT (relay_tag, epoch) DO UPDATE SET used = used + 1`,
  ).run(tag, epoch);
  // Older epochs can never be used again (a deposit is for the current one).
  db.prepare("DELETE FROM relay_slots WHERE relay_tag = ? AND epoch < ?").run(tag, epoch - 1);
  return used;
}
