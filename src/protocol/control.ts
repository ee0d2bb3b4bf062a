/**
 * Bodies of control payloads (inside the E2E ciphertext like any message):
 *
 *   receipt = kind (1) || id (16) × n      kind 1 = read, 2 = burned (the copy is gone)
 *   burn    = id (16) × n                  "delete these messages of our conversation"
 *
 * 1 ≤ n ≤ {@link MAX_IDS} per payload (a sender with more ids sends several payloads). The decoder
 * drops repeated ids, keeping the first occurrence, so a list never makes the receiver do the same
 * work twice.
 */
import { ControlError } from "./control_error.ts";
import { ID_BYTES } from "./message_id.ts";

export const MAX_IDS = 4096;
export const ReceiptKind = { read: 1, burned: 2 } as const;
export type ReceiptKind = typeof ReceiptKind[keyof typeof ReceiptKind];

export function encodeIds(ids: readonly Uint8Array[]): Uint8Array {
  if (ids.length === 0 || ids.length > MAX_IDS) throw new RangeError("1..4096 ids");
  const out = new Uint8Array(ids.length * ID_BYTES);
  ids.forEach((id, i) => {
    if (id.length !== ID_BYTES) throw new RangeError("ids are 16 bytes");
    out.set(id, i * ID_BYTES);
  });
  return out;
}

/**
 * Decodes an id list, without repeats.
 * @throws {ControlError} `empty`, `bad_length` (not a multiple of 16) or `too_many_ids`
 */
export function decodeIds(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length === 0) fail("empty", "no ids");
  if (bytes.length % ID_BYTES !== 0) {
    fail("bad_length", `${bytes.length} bytes is not a whole number of ids`);
  }
  if (bytes.length / ID_BYTES > MAX_IDS) {
    fail("too_many_ids", `${bytes.length / ID_BYTES} ids, more than ${MAX_IDS}`);
  }
  const seen = new Set<string>();
  const ids: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += ID_BYTES) {
    const id = bytes.slice(i, i + ID_BYTES);
    const key = String.fromCharCode(...id);
    if (seen.has(key)) continue;
    seen.add(key);
    ids.push(id);
  }
  return ids;
}

export function encodeReceipt(kind: ReceiptKind, ids: readonly Uint8Array[]): Uint8Array {
  const list = encodeIds(ids);
  const out = new Uint8Array(1 + list.length);
  out[0] = kind;
  out.set(list, 1);
  return out;
}

/**
 * Decodes a receipt body.
 * @throws {ControlError} `unknown_kind`, or any reason of {@link decodeIds}
 */
export function decodeReceipt(bytes: Uint8Array): { kind: ReceiptKind; ids: Uint8Array[] } {
  if (bytes.length < 1 || (bytes[0] !== ReceiptKind.read && bytes[0] !== ReceiptKind.burned)) {
    fail("unknown_kind", "unknown receipt kind");
  }
  return { kind: bytes[0] as ReceiptKind, ids: decodeIds(bytes.subarray(1)) };
}

function fail(reason: ControlError["reason"], message: string): never {
  throw new ControlError(reason, `Cannot read control payload: ${message}`);
}
