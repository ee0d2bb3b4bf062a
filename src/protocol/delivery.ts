/**
 * Delivery messages (version 2), carried one per transport frame after the hello:
 *
 *   deliver       = 0x21 || id (16) || ciphertext (1 … MAX_CIPHERTEXT_BYTES)    dialer → listener
 *   ack           = 0x22 || id (16) || status (1) || signature (64)             listener → dialer
 *   deliver_group = 0x23 || id (16) || envelope (1 … MAX_CIPHERTEXT_BYTES)      dialer → listener
 *   chunks        = 0x24 || id (16) || first (u32) || count (1) || count × (len (u32) || chunk)
 *                                                                               dialer → listener
 *   have          = 0x25 || id (16) || status (1) || have (u32) || signature (64) listener → dialer
 *   query         = 0x26 || id (16)                                             dialer → listener
 *
 * File transfers (file_descriptor.ts): `id` is the descriptor's payload id; `chunks` carries
 * consecutive secretstream chunks from index `first` (1 … MAX_CHUNKS_PER_FRAME of them, each
 * 17 … CHUNK_BYTES + 17 bytes); `query` asks what the listener holds; `have` answers both with the
 * number of leading chunks the listener has committed to disk (its high-water mark) and a
 * TransferStatus, signed (ack.ts, over `chunkAckBody`) so that only the contact can make the sender
 * drop its copy. Images travel this way too (descriptor kind image, sanitised on both sides).
 *
 * The first byte is version (high nibble) and kind (low nibble). Version 1 (0x01 deliver, 0x02
 * unsigned ack) is refused with `old_version`: an unsigned ack let anyone who answered the dial
 * claim "delivered" and have the sender drop the message.
 *
 * `id` names the outbox item (the payload id inside the ciphertext must match it). The listener
 * acks only after the decrypted message is committed to disk, and signs the ack (ack.ts) over the
 * id, the status and a hash of the exact ciphertext it received. Status: 0 stored, 1 duplicate
 * (already stored earlier; the sender treats it as delivered), 2 rejected (cannot be decrypted or
 * is malformed; retrying will not help), 3 later (not taken now — the receiver's rate or storage
 * limit for this sender is reached; the sender keeps it queued and retries with backoff).
 *
 * `deliver_group` carries an opaque group envelope (an MLS message, itself end-to-end encrypted and
 * signed by its author; docs/groups.md, "Transport") to a group member who is not a contact, so
 * there is no 1:1 session to put it in: the Tor stream is its transport encryption, the hello
 * authenticated the dialer. `id` names the sender's queue item for this envelope; the ack is the
 * same signed ack, over the id, the status and SHA-256 of the envelope, and its status is the
 * group engine's verdict. To a contact, an envelope travels inside the session instead (a `deliver`
 * whose payload has type `group`). A stream admitted only as a group peer (not a contact) may send
 * `deliver_group` and nothing else: a `deliver` on it is acked `rejected`.
 */
import { DeliveryError } from "./delivery_error.ts";
import { ID_BYTES } from "./message_id.ts";
import { MAX_CONTENT } from "./padding.ts";
import { CHUNK_BYTES, CHUNK_OVERHEAD } from "./file_descriptor.ts";

/** The delivery protocol version carried in every message's first byte. */
export const DELIVERY_VERSION = 2;
const KIND_DELIVER = (DELIVERY_VERSION << 4) | 0x01;
const KIND_ACK = (DELIVERY_VERSION << 4) | 0x02;
const KIND_DELIVER_GROUP = (DELIVERY_VERSION << 4) | 0x03;
const KIND_CHUNKS = (DELIVERY_VERSION << 4) | 0x04;
const KIND_HAVE = (DELIVERY_VERSION << 4) | 0x05;
const KIND_QUERY = (DELIVERY_VERSION << 4) | 0x06;
const V1_KINDS = new Set([0x01, 0x02]);
/** Chunks in one `chunks` frame: 15 full ones fill most of the 1 MiB bucket. */
export const MAX_CHUNKS_PER_FRAME = 15;
const MAX_CHUNK = CHUNK_BYTES + CHUNK_OVERHEAD;
const HAVE_BYTES = 1 + ID_BYTES + 1 + 4 + 64;

/**
 * Where a transfer stands at the listener: receiving (send from `have`), complete (verified: the
 * sender may drop its copy), unknown (no such transfer here — never received, burnt or expired:
 * the sender drops it too) or corrupt (the chunks did not verify).
 */
export const TransferStatus = { receiving: 0, complete: 1, unknown: 2, corrupt: 3 } as const;
export type TransferStatus = typeof TransferStatus[keyof typeof TransferStatus];

/** What a `have` signature covers (in ack.ts's `ciphertext` field): domain, status and count. */
export function chunkAckBody(status: TransferStatus, have: number): Uint8Array {
  const domain = new TextEncoder().encode("legion/v2/have");
  const out = new Uint8Array(domain.length + 5);
  out.set(domain);
  out[domain.length] = status;
  new DataView(out.buffer).setUint32(domain.length + 1, have);
  return out;
}
/** An Ed25519 signature (RFC 8032). */
export const ACK_SIGNATURE_BYTES = 64;
/** A delivery message fills at most one frame. */
export const MAX_CIPHERTEXT_BYTES = MAX_CONTENT - 1 - ID_BYTES;
const ACK_BYTES = 1 + ID_BYTES + 1 + ACK_SIGNATURE_BYTES;

export const AckStatus = { stored: 0, duplicate: 1, rejected: 2, later: 3 } as const;
export type AckStatus = typeof AckStatus[keyof typeof AckStatus];

export type DeliveryMessage =
  | { kind: "deliver"; id: Uint8Array; ciphertext: Uint8Array }
  | { kind: "deliver_group"; id: Uint8Array; envelope: Uint8Array }
  | { kind: "ack"; id: Uint8Array; status: AckStatus; signature: Uint8Array }
  | { kind: "chunks"; id: Uint8Array; first: number; chunks: Uint8Array[] }
  | {
    kind: "have";
    id: Uint8Array;
    status: TransferStatus;
    have: number;
    signature: Uint8Array;
  }
  | { kind: "query"; id: Uint8Array };

export function encodeDelivery(message: DeliveryMessage): Uint8Array {
  if (message.id.length !== ID_BYTES) throw new RangeError("id must be 16 bytes");
  if (message.kind === "deliver" || message.kind === "deliver_group") {
    const body = message.kind === "deliver" ? message.ciphertext : message.envelope;
    const out = new Uint8Array(1 + ID_BYTES + body.length);
    out[0] = message.kind === "deliver" ? KIND_DELIVER : KIND_DELIVER_GROUP;
    out.set(message.id, 1);
    out.set(body, 1 + ID_BYTES);
    return out;
  }
  if (message.kind === "query") {
    const out = new Uint8Array(1 + ID_BYTES);
    out[0] = KIND_QUERY;
    out.set(message.id, 1);
    return out;
  }
  if (message.kind === "chunks") return encodeChunks(message.id, message.first, message.chunks);
  if (message.signature.length !== ACK_SIGNATURE_BYTES) {
    throw new RangeError("signature must be 64 bytes");
  }
  if (message.kind === "have") {
    const out = new Uint8Array(HAVE_BYTES);
    out[0] = KIND_HAVE;
    out.set(message.id, 1);
    out[1 + ID_BYTES] = message.status;
    new DataView(out.buffer).setUint32(2 + ID_BYTES, message.have);
    out.set(message.signature, 6 + ID_BYTES);
    return out;
  }
  if (message.signature.length !== ACK_SIGNATURE_BYTES) {
    throw new RangeError("signature must be 64 bytes");
  }
  const out = new Uint8Array(ACK_BYTES);
  out[0] = KIND_ACK;
  out.set(message.id, 1);
  out[1 + ID_BYTES] = message.status;
  out.set(message.signature, 2 + ID_BYTES);
  return out;
}

/**
 * Decodes one delivery message. An ack's signature is only split off here: ack.ts verifies it.
 * @throws {DeliveryError} `truncated`, `old_version`, `unknown_kind`, `empty_ciphertext`,
 *   `too_large`, `bad_ack_length`, `unknown_ack_status` or `bad_chunks`
 */
export function decodeDelivery(bytes: Uint8Array): DeliveryMessage {
  if (bytes.length < 1 + ID_BYTES) fail("truncated", "truncated");
  const id = bytes.slice(1, 1 + ID_BYTES);
  switch (bytes[0]) {
    case KIND_DELIVER:
    case KIND_DELIVER_GROUP: {
      const length = bytes.length - 1 - ID_BYTES;
      if (length === 0) fail("empty_ciphertext", "empty ciphertext");
      if (length > MAX_CIPHERTEXT_BYTES) {
        fail("too_large", `ciphertext of ${length} bytes exceeds ${MAX_CIPHERTEXT_BYTES}`);
      }
      const body = bytes.slice(1 + ID_BYTES);
      return bytes[0] === KIND_DELIVER
        ? { kind: "deliver", id, ciphertext: body }
        : { kind: "deliver_group", id, envelope: body };
    }
    case KIND_ACK: {
      if (bytes.length !== ACK_BYTES) fail("bad_ack_length", "bad ack length");
      const status = bytes[1 + ID_BYTES];
      if (status > AckStatus.later) fail("unknown_ack_status", `unknown ack status ${status}`);
      return {
        kind: "ack",
        id,
        status: status as AckStatus,
        signature: bytes.slice(2 + ID_BYTES),
      };
    }
    case KIND_QUERY:
      if (bytes.length !== 1 + ID_BYTES) fail("bad_chunks", "bad query length");
      return { kind: "query", id };
    case KIND_HAVE: {
      if (bytes.length !== HAVE_BYTES) fail("bad_ack_length", "bad have length");
      const status = bytes[1 + ID_BYTES];
      if (status > TransferStatus.corrupt) fail("unknown_ack_status", `unknown status ${status}`);
      return {
        kind: "have",
        id,
        status: status as TransferStatus,
        have: new DataView(bytes.buffer, bytes.byteOffset).getUint32(2 + ID_BYTES),
        signature: bytes.slice(6 + ID_BYTES),
      };
    }
    case KIND_CHUNKS:
      return decodeChunks(id, bytes);
    default:
      if (V1_KINDS.has(bytes[0])) {
        fail(
          "old_version",
          `version 1 is no longer accepted (the peer runs an older Legion; version ${DELIVERY_VERSION} signs every ack)`,
        );
      }
      fail("unknown_kind", `unknown kind ${bytes[0]}`);
  }
}

function fail(reason: DeliveryError["reason"], message: string): never {
  throw new DeliveryError(reason, `Cannot read delivery message: ${message}`);
}

/**
 * Encodes a `chunks` message.
 * @throws {RangeError} when the chunks are too many, of a bad length, or do not fit a frame
 */
export function encodeChunks(id: Uint8Array, first: number, chunks: Uint8Array[]): Uint8Array {
  if (chunks.length < 1 || chunks.length > MAX_CHUNKS_PER_FRAME) {
    throw new RangeError("bad chunk count");
  }
  if (!Number.isInteger(first) || first < 0 || first + chunks.length > 0xffffffff) {
    throw new RangeError("bad first chunk index");
  }
  let length = 1 + ID_BYTES + 4 + 1;
  for (const chunk of chunks) {
    if (chunk.length < CHUNK_OVERHEAD || chunk.length > MAX_CHUNK) {
      throw new RangeError("bad chunk length");
    }
    length += 4 + chunk.length;
  }
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  out[0] = KIND_CHUNKS;
  out.set(id, 1);
  view.setUint32(1 + ID_BYTES, first);
  out[5 + ID_BYTES] = chunks.length;
  let at = 6 + ID_BYTES;
  for (const chunk of chunks) {
    view.setUint32(at, chunk.length);
    out.set(chunk, at + 4);
    at += 4 + chunk.length;
  }
  return out;
}

function decodeChunks(id: Uint8Array, bytes: Uint8Array): DeliveryMessage {
  if (bytes.length > MAX_CONTENT) fail("too_large", "chunks message too large");
  if (bytes.length < 6 + ID_BYTES) fail("truncated", "truncated chunks header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const first = view.getUint32(1 + ID_BYTES);
  const count = bytes[5 + ID_BYTES];
  if (count < 1 || count > MAX_CHUNKS_PER_FRAME) fail("bad_chunks", `bad chunk count ${count}`);
  if (first + count > 0xffffffff) fail("bad_chunks", "chunk index out of range");
  const chunks: Uint8Array[] = [];
  let at = 6 + ID_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + 4 > bytes.length) fail("truncated", "truncated chunk length");
    const length = view.getUint32(at);
    if (length < CHUNK_OVERHEAD || length > MAX_CHUNK) {
      fail("bad_chunks", `bad chunk length ${length}`);
    }
    if (at + 4 + length > bytes.length) fail("truncated", "truncated chunk");
    chunks.push(bytes.slice(at + 4, at + 4 + length));
    at += 4 + length;
  }
  if (at !== bytes.length) fail("bad_chunks", "trailing bytes after the chunks");
  return { kind: "chunks", id, first, chunks };
}
