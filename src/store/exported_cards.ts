/**
 * The cards this node exported (`card export`, any form), so that it can answer a stranger who
 * names one by hash — the short form of a QR code (crypto/card_short.ts) carries only the key and
 * the card's SHA-256, and the importer fetches the full card from the node.
 *
 *   exported_cards(id, hash_tag = HMAC(indexKey, "card.hash" || 0 || sha256(card text)),
 *                  card_sealed = seal(exported_cards.card @ hash_tag, card text),
 *                  expires_at = the card's expiry, ms)
 *
 * Only unexpired cards are served; expired ones are deleted at the next export, and at most
 * MAX_EXPORTED_CARDS (the newest) are kept.
 */
import type { Database } from "./db.ts";
import type { SealedAt, Sealer } from "./sealer.ts";
import { rowTag } from "./signal_keys.ts";
import { cardHash } from "../crypto/card_short.ts";

export const MAX_EXPORTED_CARDS = 32;

export class ExportedCards {
  constructor(
    private readonly db: Database,
    private readonly sealer: Sealer,
    private readonly indexKey: Uint8Array,
  ) {}

  /** Records an exported card. Call inside a write (store.write). */
  remember(text: string, expires: number, now: number): void {
    const tag = this.#tag(cardHash(text));
    const sealed = this.sealer.seal(at(tag), new TextEncoder().encode(text));
    this.db.prepare("DELETE FROM exported_cards WHERE expires_at <= ? OR hash_tag = ?")
      .run(now, tag);
    this.db.prepare(
      "INSERT INTO exported_cards (hash_tag, card_sealed, expires_at) VALUES (?, ?, ?)",
    ).run(tag, sealed, expires);
    this.db.prepare(
      "DELETE FROM exported_cards WHERE id NOT IN " +
        "(SELECT id FROM exported_cards ORDER BY id DESC LIMIT ?)",
    ).run(MAX_EXPORTED_CARDS);
  }

  /** The unexpired card whose SHA-256 is `hash`, if this node exported it. */
  byHash(hash: Uint8Array, now: number): string | undefined {
    if (hash.length !== 32) return undefined;
    const tag = this.#tag(hash);
    const row = this.db.prepare(
      "SELECT card_sealed FROM exported_cards WHERE hash_tag = ? AND expires_at > ?",
    ).get(tag, now) as { card_sealed: Uint8Array } | undefined;
    if (!row) return undefined;
    return new TextDecoder().decode(this.sealer.open(at(tag), row.card_sealed));
  }

  #tag(hash: Uint8Array): Uint8Array {
    return rowTag(this.indexKey, "card.hash", hash);
  }
}

function at(tag: Uint8Array): SealedAt {
  return { label: "exported_cards.card", row: tag };
}
