/**
 * The one thing a stranger may ask a node: a contact card of its own, named by hash. A dialer
 * sends the request as its first frame instead of a hello; the listener answers with one reply
 * frame if a card it exported (and that has not expired) hashes to that value, and closes the
 * stream. Anything else a stranger sends is a bad hello and is dropped without a word.
 *
 *   request = "LGQ1" (4) || sha256(card text) (32)                             = 36 bytes
 *   reply   = "LGR1" (4) || card text (UTF-8, at most MAX_CARD_BYTES)
 *
 * The card is public data, and the requester checks the hash of what it gets before verifying
 * the card as any other, so the listener cannot substitute a different card.
 */
/** Largest card text (src/crypto/card.ts MAX_CARD_BYTES; not imported, to keep libsignal out). */
const MAX_CARD_BYTES = 16 * 1024;
export const CARD_REQUEST_MAGIC = new TextEncoder().encode("LGQ1");
export const CARD_REPLY_MAGIC = new TextEncoder().encode("LGR1");
export const CARD_REQUEST_BYTES = 4 + 32;
export const MAX_CARD_REPLY_BYTES = 4 + MAX_CARD_BYTES;

export function createCardRequest(hash: Uint8Array): Uint8Array {
  if (hash.length !== 32) throw new RangeError("hash must be 32 bytes");
  const request = new Uint8Array(CARD_REQUEST_BYTES);
  request.set(CARD_REQUEST_MAGIC, 0);
  request.set(hash, 4);
  return request;
}

/** The hash a frame asks for, or undefined when the frame is no card request. */
export function parseCardRequest(frame: Uint8Array): Uint8Array | undefined {
  if (frame.length !== CARD_REQUEST_BYTES || !startsWith(frame, CARD_REQUEST_MAGIC)) {
    return undefined;
  }
  return frame.slice(4);
}

export function createCardReply(text: string): Uint8Array {
  const body = new TextEncoder().encode(text);
  if (body.length > MAX_CARD_BYTES) throw new RangeError("card text too large");
  const reply = new Uint8Array(4 + body.length);
  reply.set(CARD_REPLY_MAGIC, 0);
  reply.set(body, 4);
  return reply;
}

/** The card text a reply carries, or undefined for a malformed reply. */
export function parseCardReply(frame: Uint8Array): string | undefined {
  if (frame.length > MAX_CARD_REPLY_BYTES || !startsWith(frame, CARD_REPLY_MAGIC)) {
    return undefined;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(frame.subarray(4));
  } catch {
    return undefined;
  }
}

function startsWith(bytes: Uint8Array, magic: Uint8Array): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}
