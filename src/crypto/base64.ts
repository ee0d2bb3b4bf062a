/**
 * Strict RFC 4648 §4 base64 (standard alphabet, with `=` padding). Decoding accepts only the
 * canonical encoding: re-encoding the result must give back the input, so two different strings
 * never decode to the same bytes (which matters for signed, canonical documents such as cards).
 */
import { Buffer } from "node:buffer";

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Decodes canonical base64; returns `undefined` on any other input. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const bytes = new Uint8Array(Buffer.from(text, "base64"));
  return toBase64(bytes) === text ? bytes : undefined;
}
