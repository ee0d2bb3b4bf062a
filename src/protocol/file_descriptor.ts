/**
 * The end-to-end descriptor of a file, image or voice clip (the body of a payload of type 2, 3
 * or 4, carried through the libsignal session like a text). Its chunks travel on their own
 * (delivery.ts `chunks`), as libsodium secretstream (XChaCha20-Poly1305) ciphertext under `key`.
 *
 *   version   (1)  = 0x01
 *   kind      (1)  1 file · 2 image · 3 voice (must match the payload type)
 *   key       (32) the file's random secretstream key
 *   header    (24) the secretstream header
 *   size      (8)  plaintext bytes, unsigned big-endian, ≤ MAX_FILE_BYTES_WIRE
 *   sha256    (32) of the plaintext
 *   duration  (4)  voice: milliseconds; other kinds: 0
 *   width     (4)  image: pixels (0 = unknown; the receiver measures its re-encoded copy); others: 0
 *   height    (4)  image: pixels, 0 exactly when width is; others: 0
 *   mime_len  (1)  then mime (1 … 127 ASCII bytes, type/subtype, lowercase)
 *   name_len  (2)  then name (0 … 255 bytes of UTF-8, no control characters) — a hint only:
 *                  `save` makes its own safe name from it
 *
 * Chunks: CHUNK_BYTES of plaintext each (the last one shorter, possibly empty), so a file has
 * max(1, ceil(size / CHUNK_BYTES)) of them; chunk i is pushed with additional data = the transfer
 * id (the payload id) and the last one with TAG_FINAL. The decoder is strict: every field in
 * range, nothing left over, one encoding per descriptor.
 */
import { PayloadError } from "./payload_error.ts";

export const DESCRIPTOR_VERSION = 1;
/** Plaintext bytes per chunk. */
export const CHUNK_BYTES = 64 * 1024;
/** secretstream's per-chunk overhead (tag byte + MAC). */
export const CHUNK_OVERHEAD = 17;
export const FILE_KEY_BYTES = 32;
export const STREAM_HEADER_BYTES = 24;
/** The largest size a descriptor may state (receivers apply their own, smaller cap). */
export const MAX_FILE_BYTES_WIRE = 2 ** 40;
export const MAX_NAME_BYTES = 255;
export const MAX_MIME_BYTES = 127;

export type AttachmentKind = "file" | "image" | "voice";
const KIND_CODES: Record<AttachmentKind, number> = { file: 1, image: 2, voice: 3 };
const KINDS = new Map(Object.entries(KIND_CODES).map(([k, v]) => [v, k as AttachmentKind]));

export interface FileDescriptor {
  kind: AttachmentKind;
  key: Uint8Array;
  header: Uint8Array;
  size: number;
  sha256: Uint8Array;
  durationMs: number;
  /** Images only (else 0): the pixel size; 0 × 0 when unknown. */
  width: number;
  height: number;
  mime: string;
  name: string;
}

const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const FIXED = 1 + 1 + FILE_KEY_BYTES + STREAM_HEADER_BYTES + 8 + 32 + 4 + 8;

/** How many chunks a file of `size` bytes has. */
export function chunkCount(size: number): number {
  return Math.max(1, Math.ceil(size / CHUNK_BYTES));
}

export function encodeDescriptor(d: FileDescriptor): Uint8Array {
  const mime = new TextEncoder().encode(d.mime);
  const name = new TextEncoder().encode(d.name);
  check(d);
  const out = new Uint8Array(FIXED + 1 + mime.length + 2 + name.length);
  const view = new DataView(out.buffer);
  out[0] = DESCRIPTOR_VERSION;
  out[1] = KIND_CODES[d.kind];
  out.set(d.key, 2);
  out.set(d.header, 2 + FILE_KEY_BYTES);
  let at = 2 + FILE_KEY_BYTES + STREAM_HEADER_BYTES;
  view.setBigUint64(at, BigInt(d.size));
  out.set(d.sha256, at += 8);
  view.setUint32(at += 32, d.durationMs);
  view.setUint32(at += 4, d.width);
  view.setUint32(at += 4, d.height);
  out[at += 4] = mime.length;
  out.set(mime, at += 1);
  view.setUint16(at += mime.length, name.length);
  out.set(name, at + 2);
  return out;
}

/**
 * Decodes a descriptor.
 * @throws {PayloadError} `bad_body` naming the first field out of range
 */
export function decodeDescriptor(bytes: Uint8Array): FileDescriptor {
  if (bytes.length < FIXED + 1 + 2) fail("truncated");
  if (bytes[0] !== DESCRIPTOR_VERSION) fail(`unsupported version ${bytes[0]}`);
  const kind = KINDS.get(bytes[1]);
  if (!kind) fail(`unknown kind ${bytes[1]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 2;
  const key = bytes.slice(at, at += FILE_KEY_BYTES);
  const header = bytes.slice(at, at += STREAM_HEADER_BYTES);
  const size = view.getBigUint64(at);
  if (size > BigInt(MAX_FILE_BYTES_WIRE)) fail(`size ${size} is too large`);
  const sha256 = bytes.slice(at += 8, at += 32);
  const durationMs = view.getUint32(at);
  if (kind !== "voice" && durationMs !== 0) fail("a duration on a non-voice attachment");
  const width = view.getUint32(at += 4);
  const height = view.getUint32(at += 4);
  if (kind !== "image" && (width !== 0 || height !== 0)) fail("a pixel size on a non-image");
  if ((width === 0) !== (height === 0)) fail("half a pixel size");
  const mimeLength = bytes[at += 4];
  at += 1;
  if (mimeLength === 0 || mimeLength > MAX_MIME_BYTES) fail("bad MIME type length");
  if (at + mimeLength + 2 > bytes.length) fail("truncated");
  const mime = String.fromCharCode(...bytes.subarray(at, at += mimeLength));
  if (!MIME.test(mime)) fail("bad MIME type");
  const nameLength = view.getUint16(at);
  at += 2;
  if (nameLength > MAX_NAME_BYTES) fail("name too long");
  if (at + nameLength !== bytes.length) {
    fail(at + nameLength > bytes.length ? "truncated" : "trailing bytes");
  }
  let name: string;
  try {
    name = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(at));
  } catch {
    fail("name is not UTF-8");
  }
  if (CONTROL.test(name)) fail("control character in name");
  return { kind, key, header, size: Number(size), sha256, durationMs, width, height, mime, name };
}

function check(d: FileDescriptor): void {
  if (d.key.length !== FILE_KEY_BYTES || d.header.length !== STREAM_HEADER_BYTES) {
    throw new RangeError("bad key or header length");
  }
  if (d.sha256.length !== 32) throw new RangeError("sha256 must be 32 bytes");
  if (!Number.isSafeInteger(d.size) || d.size < 0 || d.size > MAX_FILE_BYTES_WIRE) {
    throw new RangeError("bad size");
  }
  if (!Number.isInteger(d.durationMs) || d.durationMs < 0 || d.durationMs > 0xffffffff) {
    throw new RangeError("bad duration");
  }
  if (d.kind !== "voice" && d.durationMs !== 0) throw new RangeError("duration on non-voice");
  for (const side of [d.width, d.height]) {
    if (!Number.isInteger(side) || side < 0 || side > 0xffffffff) throw new RangeError("bad size");
  }
  if (d.kind !== "image" && (d.width !== 0 || d.height !== 0)) {
    throw new RangeError("pixel size on non-image");
  }
  if ((d.width === 0) !== (d.height === 0)) throw new RangeError("half a pixel size");
  if (!MIME.test(d.mime) || d.mime.length > MAX_MIME_BYTES) throw new RangeError("bad MIME type");
  if (new TextEncoder().encode(d.name).length > MAX_NAME_BYTES || CONTROL.test(d.name)) {
    throw new RangeError("bad name");
  }
}

function fail(message: string): never {
  throw new PayloadError("bad_body", `Cannot read file descriptor: ${message}`);
}
