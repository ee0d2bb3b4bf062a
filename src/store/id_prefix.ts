/**
 * Message ids by a unique prefix: people type the first 8 hex characters `legion inbox` shows
 * (`legion burn 3f2a1b4c`), not all 32. A full id is taken as it is.
 */
import type { Database } from "./db.ts";
import { fromHex } from "../crypto/hex.ts";
import { LegionError } from "../errors.ts";

/** The shortest prefix accepted: 8 hex characters (32 bits). */
export const MIN_ID_PREFIX = 8;
const ID_HEX = 32;

/** Tables whose primary key is a 16-byte message id. */
export type IdTable = "messages" | "outbox" | "group_envelopes";

export interface ResolveOptions {
  table: IdTable;
  /** The error message when no id matches. */
  missing: string;
  /** Its hint. */
  hint?: string;
}

/**
 * The one id in `options.table` starting with `text` (hex, 8 to 32 characters). A full id is
 * returned as given, whether or not the table holds it (callers report a missing one).
 *
 * @throws {LegionError} `usage` when `text` is no id or prefix, or matches several ids;
 *   `no_input` (`options.missing`) when a prefix matches none.
 */
export function resolveIdPrefix(db: Database, text: string, options: ResolveOptions): Uint8Array {
  const { table, missing, hint } = options;
  const hex = text.toLowerCase();
  if (!new RegExp(`^[0-9a-f]{${MIN_ID_PREFIX},${ID_HEX}}$`).test(hex)) {
    throw new LegionError("usage", `Not a message id: ${JSON.stringify(text)}`, {
      hint: `give the id or its first ${MIN_ID_PREFIX} (or more) hex characters, ` +
        "as printed by send and inbox",
    });
  }
  if (hex.length === ID_HEX) return fromHex(hex);
  // Ids are 16 bytes and BLOBs compare bytewise, so the prefix is one range of the primary key.
  const rows = db.prepare(`SELECT id FROM ${table} WHERE id BETWEEN ? AND ? LIMIT 2`).all(
    fromHex(hex.padEnd(ID_HEX, "0")),
    fromHex(hex.padEnd(ID_HEX, "f")),
  ) as Array<{ id: Uint8Array }>;
  if (rows.length === 0) throw new LegionError("no_input", missing, { hint });
  if (rows.length > 1) {
    throw new LegionError("usage", `The id prefix ${hex} matches more than one message`, {
      hint: "give more of the id",
    });
  }
  return new Uint8Array(rows[0].id);
}
