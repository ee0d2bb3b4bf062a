/**
 * Bodies of control payloads (inside the E2E ciphertext like any message):
 *
 *   receipt = kind (1) || id (16) × n      kind 1 = read, 2 = burned (the copy is gone)
 *   burn    = id (16) × n                  "delete these messages of our conversation"
 *
 * At most MAX_IDS ids per payload.
 */
import { LegionError } from "../errors.ts";
import { ID_BYTES } from "./payload.ts";

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

export function decodeIds(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length === 0 || bytes.length % ID_BYTES !== 0 || bytes.length / ID_BYTES > MAX_IDS) {
    throw new LegionError("bad_data", "Cannot read control payload: bad id list");
  }
  const ids: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += ID_BYTES) ids.push(bytes.slice(i, i + ID_BYTES));
  return ids;
}

export function encodeReceipt(kind: ReceiptKind, ids: readonly Uint8Array[]): Uint8Array {
  const list = encodeIds(ids);
  const out = new Uint8Array(1 + list.length);
  out[0] = kind;
  out.set(list, 1);
  return out;
}

export function decodeReceipt(bytes: Uint8Array): { kind: ReceiptKind; ids: Uint8Array[] } {
  if (bytes.length < 1 || (bytes[0] !== ReceiptKind.read && bytes[0] !== ReceiptKind.burned)) {
    throw new LegionError("bad_data", "Cannot read receipt: unknown kind");
  }
  return { kind: bytes[0] as ReceiptKind, ids: decodeIds(bytes.subarray(1)) };
}
