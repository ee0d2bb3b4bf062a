/**
 * The receiver's second sanitising of an image (docs: README "Images"): once every chunk of an
 * incoming `image` transfer has arrived, the image is decrypted and verified, decoded and
 * re-encoded by sharp (src/media/image_sanitize.ts) whatever the sender's software did, and the
 * clean copy replaces what arrived — sealed again under a fresh secretstream key, its descriptor
 * (key, header, size, SHA-256, MIME type, pixel size) rewritten in the sealed message. A modified
 * sender can thus neither smuggle metadata in nor hand our viewer anything but a fresh JPEG, WebP
 * or PNG. Anything sharp refuses (SVG, HTML, PDF, polyglots, truncated images) is `corrupt`.
 *
 * Decrypting and sanitising run outside the store's write lock; only the swap is one write.
 */
import { createHash } from "node:crypto";
import { sodium } from "../crypto/sodium.ts";
import { SecretStreamPusher } from "../crypto/secretstream.ts";
import {
  CHUNK_BYTES,
  chunkCount,
  encodeDescriptor,
  type FileDescriptor,
} from "../protocol/file_descriptor.ts";
import { replaceMessageBody } from "../store/messages.ts";
import { dropChunks, getTransfer, putChunk, resizeTransfer } from "../store/transfers.ts";
import type { ImageFormat } from "../media/image_sanitize.ts";
import { inSanitizeSlot } from "./sanitize_slot.ts";

/** The largest image the receiver decodes (the sender's input cap). */
export const RECEIVE_MAX_IMAGE_BYTES = 64 * 1024 * 1024;

const FORMAT_OF_MIME: Record<string, ImageFormat> = {
  "image/jpeg": "jpeg",
  "image/webp": "webp",
  "image/png": "png",
};
const MIME_OF_FORMAT: Record<ImageFormat, string> = {
  jpeg: "image/jpeg",
  webp: "image/webp",
  png: "image/png",
};

/** What `acceptChunks` needs to read the verified plaintext and to write the swap. */
export interface ImageHost {
  readonly store: import("../store/open_store.ts").UnlockedStore;
  write<T>(fn: () => T | Promise<T>): Promise<T>;
}

/**
 * Sanitises a verified incoming image (`plain`: its bytes) and stores the clean copy in place of
 * the transfer's chunks; returns false when sharp refuses it (the caller marks it corrupt) or the
 * transfer is gone meanwhile.
 */
export async function replaceWithSanitised(
  host: ImageHost,
  id: Uint8Array,
  d: FileDescriptor,
  plain: Uint8Array,
): Promise<boolean> {
  const { isMediaError } = await import("../media/media_error.ts");
  const { sanitizeImage } = await import("../media/image_sanitize.ts");
  let clean;
  try {
    clean = await inSanitizeSlot(() => sanitizeImage(plain, { format: FORMAT_OF_MIME[d.mime] }));
  } catch (err) {
    if (isMediaError(err)) return false;
    throw err;
  }
  const na = await sodium();
  const key = na.crypto_secretstream_xchacha20poly1305_keygen();
  const { state, header } = na.crypto_secretstream_xchacha20poly1305_init_push(key);
  const pusher = new SecretStreamPusher(na, state, id, CHUNK_BYTES);
  const chunks: Uint8Array[] = [];
  const count = chunkCount(clean.bytes.length);
  for (let i = 0; i < count; i++) {
    const part = clean.bytes.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES);
    const tag = i === count - 1
      ? na.crypto_secretstream_xchacha20poly1305_TAG_FINAL
      : na.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    chunks.push(pusher.push(part, tag).slice());
  }
  pusher.dispose();
  const descriptor: FileDescriptor = {
    ...d,
    key,
    header,
    size: clean.bytes.length,
    sha256: new Uint8Array(createHash("sha256").update(clean.bytes).digest()),
    mime: MIME_OF_FORMAT[clean.format],
    width: clean.width,
    height: clean.height,
  };
  const body = encodeDescriptor(descriptor);
  key.fill(0);
  const { db, sealer } = host.store;
  const swapped = await host.write(() => {
    const t = getTransfer(db, id);
    if (!t || t.state !== "receiving") return false;
    if (!replaceMessageBody(db, sealer, id, body)) return false;
    dropChunks(db, id);
    for (const [i, chunk] of chunks.entries()) putChunk(db, id, i, chunk);
    resizeTransfer(db, id, clean.bytes.length, count);
    return true;
  });
  body.fill(0);
  return swapped;
}
