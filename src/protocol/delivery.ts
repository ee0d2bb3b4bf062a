/**
 * Delivery messages, carried one per transport frame after the hello:
 *
 *   deliver = 0x01 || id (16) || ciphertext (1 … MAX_CIPHERTEXT_BYTES)    dialer → listener
 *   ack     = 0x02 || id (16) || status (1)                               listener → dialer
 *
 * `id` names the outbox item (the payload id inside the ciphertext must match it). The listener
 * acks only after the decrypted message is committed to disk. Status: 0 stored, 1 duplicate
 * (already stored earlier; the sender treats it as delivered), 2 rejected (cannot be decrypted or
 * is malformed; retrying will not help), 3 later (not taken now — the receiver's rate or storage
 * limit for this sender is reached; the sender keeps it queued and retries with backoff).
 */
import { DeliveryError } from "./delivery_error.ts";
import { ID_BYTES } from "./message_id.ts";
import { MAX_CONTENT } from "./padding.ts";

const KIND_DELIVER = 0x01;
const KIND_ACK = 0x02;
/** A delivery message fills at most one frame. */
export const MAX_CIPHERTEXT_BYTES = MAX_CONTENT - 1 - ID_BYTES;

export const AckStatus = { stored: 0, duplicate: 1, rejected: 2, later: 3 } as const;
export type AckStatus = typeof AckStatus[keyof typeof AckStatus];

export type DeliveryMessage =
  | { kind: "deliver"; id: Uint8Array; ciphertext: Uint8Array }
  | { kind: "ack"; id: Uint8Array; status: AckStatus };

export function encodeDelivery(message: DeliveryMessage): Uint8Array {
  if (message.id.length !== ID_BYTES) throw new RangeError("id must be 16 bytes");
  if (message.kind === "deliver") {
    const out = new Uint8Array(1 + ID_BYTES + message.ciphertext.length);
    out[0] = KIND_DELIVER;
    out.set(message.id, 1);
    out.set(message.ciphertext, 1 + ID_BYTES);
    return out;
  }
  const out = new Uint8Array(2 + ID_BYTES);
  out[0] = KIND_ACK;
  out.set(message.id, 1);
  out[1 + ID_BYTES] = message.status;
  return out;
}

/**
 * Decodes one delivery message.
 * @throws {DeliveryError} `truncated`, `unknown_kind`, `empty_ciphertext`, `too_large`,
 *   `bad_ack_length` or `unknown_ack_status`
 */
export function decodeDelivery(bytes: Uint8Array): DeliveryMessage {
  if (bytes.length < 1 + ID_BYTES) fail("truncated", "truncated");
  const id = bytes.slice(1, 1 + ID_BYTES);
  switch (bytes[0]) {
    case KIND_DELIVER: {
      const length = bytes.length - 1 - ID_BYTES;
      if (length === 0) fail("empty_ciphertext", "empty ciphertext");
      if (length > MAX_CIPHERTEXT_BYTES) {
        fail("too_large", `ciphertext of ${length} bytes exceeds ${MAX_CIPHERTEXT_BYTES}`);
      }
      return { kind: "deliver", id, ciphertext: bytes.slice(1 + ID_BYTES) };
    }
    case KIND_ACK: {
      if (bytes.length !== 2 + ID_BYTES) fail("bad_ack_length", "bad ack length");
      const status = bytes[1 + ID_BYTES];
      if (status > AckStatus.later) fail("unknown_ack_status", `unknown ack status ${status}`);
      return { kind: "ack", id, status: status as AckStatus };
    }
    default:
      fail("unknown_kind", `unknown kind ${bytes[0]}`);
  }
}

function fail(reason: DeliveryError["reason"], message: string): never {
  throw new DeliveryError(reason, `Cannot read delivery message: ${message}`);
}
