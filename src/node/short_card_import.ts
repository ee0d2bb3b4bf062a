/**
 * `card import` of a short form (src/crypto/card_short.ts): fetch the full card from the onion the
 * short form names, accept it only if it hashes to the named value and carries the named key and
 * onion, and import it as any card (full verification in importCard).
 */
import { cardHash, decodeShortCard, type ShortCard } from "../crypto/card_short.ts";
import { CardError } from "../crypto/card_error.ts";
import { parseCard } from "../crypto/card.ts";
import { importCard, type ImportOptions, type ImportResult } from "../store/contacts_import.ts";
import type { SignalContext } from "../store/signal_context.ts";
import { isReasonError } from "../errors.ts";
import { TransportError } from "../transport/transport_error.ts";

/** Fetches the card text whose SHA-256 is `hash` from `onion` (Transport.fetchCard). */
export type CardFetcher = (onion: string, hash: Uint8Array) => Promise<string>;

/**
 * @throws {CardError} `bad_short_form`, `card_mismatch` (the peer sent another card), or any
 * refusal of importCard
 * @throws {TransportError} when the card cannot be fetched (with a hint)
 */
export async function importShortCard(
  signal: SignalContext,
  short: string,
  fetchCard: CardFetcher,
  options: ImportOptions,
): Promise<ImportResult> {
  const named = decodeShortCard(short);
  const text = await fetchNamed(named, fetchCard);
  checkFetched(named, text);
  return await importCard(signal, text, options);
}

/**
 * The fetched card must be exactly the one the short form names: its SHA-256, then its key and
 * onion (a short form pairing one key with the hash of another identity's card is refused too).
 * @throws {CardError} `card_mismatch`
 */
export function checkFetched(named: ShortCard, text: string): void {
  if (!equal(cardHash(text), named.hash)) {
    throw mismatch("the peer sent a different card than the QR code names");
  }
  const { card } = parseCard(text);
  if (!equal(card.ed25519, named.ed25519)) {
    throw mismatch("the card's key is not the one the QR code names");
  }
  if (card.onion !== named.onion) {
    throw mismatch("the card's onion address is not the one the QR code names");
  }
}

async function fetchNamed(named: ShortCard, fetchCard: CardFetcher): Promise<string> {
  try {
    return await fetchCard(named.onion, named.hash);
  } catch (err) {
    if (!isReasonError(err) || err.name !== "TransportError") throw err;
    const reason = (err as TransportError).reason;
    if (reason !== "peer_unreachable" && reason !== "peer_refused") throw err;
    throw new TransportError(reason, `Cannot fetch the card from ${named.onion}: ${err.message}`, {
      hint: reason === "peer_unreachable"
        ? "the contact's node must be running (legion listen) and online: try again later, " +
          "or ask for the full card (legion card export -o FILE)"
        : "the card may have expired or been replaced: ask for a fresh QR code or the full card",
      cause: err,
    });
  }
}

function mismatch(what: string): CardError {
  return new CardError("card_mismatch", `Cannot import card: ${what}`, {
    hint: "nothing was imported; compare the QR code with the contact in person, or ask for " +
      "the full card (legion card export)",
  });
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
