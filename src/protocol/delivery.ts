/**
 * Delivery messages, carried one per transport frame after the hello:
 *
 *   deliver = 0x01 || id (16) || ciphertext (…)        dialer → listener
 *   ack     = 0x02 || id (16) || status (1)            listener → dialer
 *
 * `id` names the outbox item (the payload id inside the ciphertext must match it). The listener
 * acks only after the decrypted message is committed to disk. Status: 0 stored, 1 duplicate
 * (already stored earlier; the sender treats it as delivered), 2 rejected (cannot be decrypted or
 * is malformed; retrying will not help).
 */
import { LegionError } from "../errors.ts";

const KIND_DELIVER = 0x01;
const KIND_ACK = 0x02;
const ID_BYTES = 16;

export const AckStatus = { stored: 0, duplicate: 1, rejected: 2 } as const;
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

export function decodeDelivery(bytes: Uint8Array): DeliveryMessage {
  if (bytes.length < 1 + ID_BYTES) fail("truncated");
  const id = bytes.slice(1, 1 + ID_BYTES);
  switch (bytes[0]) {
    case KIND_DELIVER:
      if (bytes.length === 1 + ID_BYTES) fail("empty ciphertext");
      return { kind: "deliver", id, ciphertext: bytes.slice(1 + ID_BYTES) };
    case KIND_ACK: {
      if (bytes.length !== 2 + ID_BYTES) fail("bad ack length");
      const status = bytes[1 + ID_BYTES];
      if (status > AckStatus.rejected) fail(`unknown ack status ${status}`);
      return { kind: "ack", id, status: status as AckStatus };
    }
    default:
      fail(`unknown kind ${bytes[0]}`);
  }
}

function fail(reason: string): never {
  throw new LegionError("bad_data", `Cannot read delivery message: ${reason}`);
}
