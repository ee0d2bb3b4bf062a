/**
 * Delivery messages (version 2), carried one per transport frame after the hello:
 *
 *   deliver       = 0x21 || id (16) || ciphertext (1 … MAX_CIPHERTEXT_BYTES)    dialer → listener
 *   ack           = 0x22 || id (16) || status (1) || signature (64)             listener → dialer
 *   deliver_group = 0x23 || id (16) || envelope (1 … MAX_CIPHERTEXT_BYTES)      dialer → listener
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

/** The delivery protocol version carried in every message's first byte. */
export const DELIVERY_VERSION = 2;
const KIND_DELIVER = (DELIVERY_VERSION << 4) | 0x01;
const KIND_ACK = (DELIVERY_VERSION << 4) | 0x02;
const KIND_DELIVER_GROUP = (DELIVERY_VERSION << 4) | 0x03;
const V1_KINDS = new Set([0x01, 0x02]);
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
  | { kind: "ack"; id: Uint8Array; status: AckStatus; signature: Uint8Array };

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
 *   `too_large`, `bad_ack_length` or `unknown_ack_status`
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
