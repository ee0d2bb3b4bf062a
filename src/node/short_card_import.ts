/**
 * `card import` of a short form (src/crypto/card_short.ts): fetch the full card from the onion the
 * short form names, accept it only if it hashes to the named value and carries the named key, and
 * import it as any card (full verification in importCard).
 */
import { cardHash, decodeShortCard } from "../crypto/card_short.ts";
import { CardError } from "../crypto/card_error.ts";
import { parseCard } from "../crypto/card.ts";
import { importCard, type ImportOptions, type ImportResult } from "../store/contacts_import.ts";
import type { SignalContext } from "../store/signal_context.ts";

/** Fetches the card text whose SHA-256 is `hash` from `onion` (Transport.fetchCard). */
export type CardFetcher = (onion: string, hash: Uint8Array) => Promise<string>;

/**
 * @throws {CardError} `bad_short_form`, `card_mismatch` (the peer sent another card), or any
 * refusal of importCard
 * @throws {TransportError} when the card cannot be fetched
 */
export async function importShortCard(
  signal: SignalContext,
  short: string,
  fetchCard: CardFetcher,
  options: ImportOptions,
): Promise<ImportResult> {
  const named = decodeShortCard(short);
  const text = await fetchCard(named.onion, named.hash);
  if (!equal(cardHash(text), named.hash) || !equal(parseCard(text).card.ed25519, named.ed25519)) {
    throw new CardError(
      "card_mismatch",
      "Cannot import card: the peer sent a different card than the QR code names",
      { hint: "ask for a fresh QR code, or for the full card (legion card export)" },
    );
  }
  return await importCard(signal, text, options);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
