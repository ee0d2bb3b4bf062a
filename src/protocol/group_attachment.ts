/**
 * An attachment carried inline in one group post (docs/groups.md, "Attachments"): the body of a
 * group post of payload type file, image or voice. The MLS application message already encrypts
 * and signs it end to end, so unlike the 1:1 descriptor (file_descriptor.ts) there is no file key
 * and no chunks: the bytes follow the descriptor's fields.
 *
 *   version   (1)  = 0x01
 *   kind      (1)  1 file · 2 image · 3 voice (must match the payload type)
 *   size      (4)  bytes, unsigned big-endian, ≤ MAX_INLINE_BYTES
 *   sha256    (32) of the bytes
 *   duration  (4)  voice: milliseconds; other kinds: 0
 *   width     (4)  image: pixels (0 = unknown); others: 0
 *   height    (4)  image: pixels, 0 exactly when width is; others: 0
 *   mime_len  (1)  then mime (1 … 127 ASCII bytes, type/subtype, lowercase)
 *   name_len  (2)  then name (0 … 255 bytes of UTF-8, no control characters) — a hint only
 *   bytes     (size) the content; nothing after it
 *
 * The decoder is strict: every field in range, the SHA-256 matches the bytes, nothing left over,
 * one encoding per body. Its errors are {@link PayloadError}s (`bad_body`).
 */
import { createHash } from "node:crypto";
import type { AttachmentKind } from "./file_descriptor.ts";
import { MAX_MIME_BYTES, MAX_NAME_BYTES } from "./file_descriptor.ts";
import { MAX_CIPHERTEXT_BYTES } from "./delivery.ts";
import { PayloadError } from "./payload_error.ts";

export const INLINE_VERSION = 1;

/** The largest group envelope the queue takes (one frame, less a 1:1 session's overhead). */
export const MAX_GROUP_ENVELOPE_BYTES = MAX_CIPHERTEXT_BYTES - 4096;
/** group_wire.ts header: version, kind, group id. */
const GROUP_WIRE_HEADER = 2 + 16;
/**
 * What MLS adds to a post's plaintext (PrivateMessage framing, sender data, signature, AEAD tag,
 * padding). Measured: 150 B for large posts with ts-mls 1.6.4 and suite 3; budgeted 1 KiB.
 */
export const MLS_OVERHEAD_BUDGET = 1024;
/** A post's plaintext before its body: author key (32) and payload header (31). */
const POST_HEAD = 32 + 31;
/** This body's fixed fields plus the longest MIME type and name. */
export const INLINE_HEADER_MAX = 1 + 1 + 4 + 32 + 4 + 4 + 4 + 1 + MAX_MIME_BYTES + 2 +
  MAX_NAME_BYTES;
/**
 * The largest attachment one group post carries: what is left of one group envelope after the
 * group header, the MLS budget, the post head and the longest inline header (1,042,919 B).
 */
export const MAX_INLINE_BYTES = MAX_GROUP_ENVELOPE_BYTES - GROUP_WIRE_HEADER -
  MLS_OVERHEAD_BUDGET - POST_HEAD - INLINE_HEADER_MAX;

export interface InlineAttachment {
  kind: AttachmentKind;
  sha256: Uint8Array;
  durationMs: number;
  width: number;
  height: number;
  mime: string;
  name: string;
  bytes: Uint8Array;
}

const KIND_CODES: Record<AttachmentKind, number> = { file: 1, image: 2, voice: 3 };
const KINDS = new Map(Object.entries(KIND_CODES).map(([k, v]) => [v, k as AttachmentKind]));
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const FIXED = 1 + 1 + 4 + 32 + 4 + 4 + 4;

export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(bytes).digest());
}

/** Builds an attachment from its content (computes the SHA-256). */
export function inlineAttachment(
  fields: Omit<InlineAttachment, "sha256">,
): InlineAttachment {
  return { ...fields, sha256: sha256(fields.bytes) };
}

export function encodeInline(a: InlineAttachment): Uint8Array {
  check(a);
  const mime = new TextEncoder().encode(a.mime);
  const name = new TextEncoder().encode(a.name);
  const out = new Uint8Array(FIXED + 1 + mime.length + 2 + name.length + a.bytes.length);
  const view = new DataView(out.buffer);
  out[0] = INLINE_VERSION;
  out[1] = KIND_CODES[a.kind];
  view.setUint32(2, a.bytes.length);
  out.set(a.sha256, 6);
  view.setUint32(38, a.durationMs);
  view.setUint32(42, a.width);
  view.setUint32(46, a.height);
  let at = FIXED;
  out[at++] = mime.length;
  out.set(mime, at);
  at += mime.length;
  view.setUint16(at, name.length);
  out.set(name, at += 2);
  out.set(a.bytes, at + name.length);
  return out;
}

/** @throws {PayloadError} `bad_body` naming the first field out of range */
export function decodeInline(body: Uint8Array): InlineAttachment {
  if (body.length < FIXED + 1 + 2) fail("truncated");
  if (body[0] !== INLINE_VERSION) fail(`unsupported version ${body[0]}`);
  const kind = KINDS.get(body[1]);
  if (!kind) fail(`unknown kind ${body[1]}`);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const size = view.getUint32(2);
  if (size > MAX_INLINE_BYTES) fail(`size ${size} is over ${MAX_INLINE_BYTES}`);
  const digest = body.slice(6, 38);
  const durationMs = view.getUint32(38);
  if (kind !== "voice" && durationMs !== 0) fail("a duration on a non-voice attachment");
  const width = view.getUint32(42);
  const height = view.getUint32(46);
  if (kind !== "image" && (width !== 0 || height !== 0)) fail("a pixel size on a non-image");
  if ((width === 0) !== (height === 0)) fail("half a pixel size");
  let at = FIXED;
  const mimeLength = body[at++];
  if (mimeLength === 0 || mimeLength > MAX_MIME_BYTES) fail("bad MIME type length");
  if (at + mimeLength + 2 > body.length) fail("truncated");
  const mime = String.fromCharCode(...body.subarray(at, at += mimeLength));
  if (!MIME.test(mime)) fail("bad MIME type");
  const nameLength = view.getUint16(at);
  at += 2;
  if (nameLength > MAX_NAME_BYTES) fail("name too long");
  if (at + nameLength + size !== body.length) {
    fail(at + nameLength + size > body.length ? "truncated" : "trailing bytes");
  }
  let name: string;
  try {
    name = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
      .decode(body.subarray(at, at + nameLength));
  } catch {
    fail("name is not UTF-8");
  }
  if (CONTROL.test(name)) fail("control character in name");
  const bytes = body.slice(at + nameLength);
  const actual = sha256(bytes);
  if (!actual.every((b, i) => b === digest[i])) fail("SHA-256 does not match the bytes");
  return { kind, sha256: digest, durationMs, width, height, mime, name, bytes };
}

function check(a: InlineAttachment): void {
  if (a.bytes.length > MAX_INLINE_BYTES) throw new RangeError("attachment over the inline cap");
  if (a.sha256.length !== 32) throw new RangeError("sha256 must be 32 bytes");
  for (const n of [a.durationMs, a.width, a.height]) {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError("bad number");
  }
  if (a.kind !== "voice" && a.durationMs !== 0) throw new RangeError("duration on non-voice");
  if (a.kind !== "image" && (a.width !== 0 || a.height !== 0)) {
    throw new RangeError("pixel size on non-image");
  }
  if ((a.width === 0) !== (a.height === 0)) throw new RangeError("half a pixel size");
  if (!MIME.test(a.mime) || a.mime.length > MAX_MIME_BYTES) throw new RangeError("bad MIME type");
  if (new TextEncoder().encode(a.name).length > MAX_NAME_BYTES || CONTROL.test(a.name)) {
    throw new RangeError("bad name");
  }
}

function fail(message: string): never {
  throw new PayloadError("bad_body", `Cannot read group attachment: ${message}`);
}
