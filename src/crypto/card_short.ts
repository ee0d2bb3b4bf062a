/**
 * The short form of a contact card, for QR codes: the Ed25519 key (the onion address derives from
 * it) and the SHA-256 of the full signed card text. The importer fetches the full card from the
 * onion and accepts it only if it hashes to the named value (then verifies it as any card).
 *
 *   short = "LEGION:CARD:V2:" || BASE32(ed25519 (32) || sha256(card text, UTF-8) (32))
 *
 * Upper case with colons is all QR alphanumeric mode (5.5 bits a character): 118 characters, a
 * version 5 code at error correction M. Decoding ignores case and surrounding white space.
 */
import { createHash } from "node:crypto";
import { base32Decode, base32Encode } from "./base32.ts";
import { CardError } from "./card_error.ts";
import { onionAddress } from "./onion.ts";

export const SHORT_CARD_PREFIX = "LEGION:CARD:V2:";
export const CARD_HASH_BYTES = 32;

export interface ShortCard {
  ed25519: Uint8Array;
  /** Onion address with the `.onion` suffix, derived from `ed25519`. */
  onion: string;
  /** SHA-256 of the full card text. */
  hash: Uint8Array;
}

/** SHA-256 of a card's text (UTF-8), the value a short form names. */
export function cardHash(text: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(text, "utf8").digest());
}

/** The short form of a full card: `ed25519` is the card's key. */
export function encodeShortCard(ed25519: Uint8Array, cardText: string): string {
  if (ed25519.length !== 32) throw new RangeError("ed25519 must be 32 bytes");
  const bytes = new Uint8Array(64);
  bytes.set(ed25519, 0);
  bytes.set(cardHash(cardText), 32);
  return SHORT_CARD_PREFIX + base32Encode(bytes).toUpperCase();
}

/** True when `text` looks like a short form (the prefix, any case); it may still be invalid. */
export function isShortCard(text: string): boolean {
  return text.trim().toUpperCase().startsWith(SHORT_CARD_PREFIX);
}

/**
 * Decodes a short form.
 * @throws {CardError} `bad_short_form` for a wrong prefix, bad base32 or a wrong length
 */
export function decodeShortCard(text: string): ShortCard {
  const trimmed = text.trim();
  const bytes = trimmed.toUpperCase().startsWith(SHORT_CARD_PREFIX)
    ? base32Decode(trimmed.slice(SHORT_CARD_PREFIX.length))
    : undefined;
  if (bytes === undefined || bytes.length !== 64) {
    throw new CardError("bad_short_form", "Cannot import card: the short form is damaged", {
      hint: "scan the QR code again, or ask for the full card (legion card export)",
    });
  }
  const ed25519 = bytes.slice(0, 32);
  return { ed25519, onion: `${onionAddress(ed25519)}.onion`, hash: bytes.slice(32) };
}
