/**
 * Attachments inline in group posts (docs/groups.md, "Attachments"): the receiving member's check
 * of what arrives (an image is decoded and re-encoded by sharp again, whatever the author's
 * software did; a voice clip must probe as one), the attachment as the inbox shows it, and the
 * sender's cap. The body format is src/protocol/group_attachment.ts.
 */
import { toHex } from "../crypto/hex.ts";
import { GroupError } from "../group/group_error.ts";
import type { AttachmentKind } from "../protocol/file_descriptor.ts";
import {
  decodeInline,
  encodeInline,
  type InlineAttachment,
  inlineAttachment,
  MAX_INLINE_BYTES,
} from "../protocol/group_attachment.ts";
import { ATTACHMENT_KINDS, type PayloadType } from "../protocol/payload.ts";
import { LegionError } from "../errors.ts";
import type { AttachmentRecord } from "./service_map.ts";
import { inSanitizeSlot } from "./sanitize_slot.ts";

/**
 * The most pixels a group image may have, on send and on receive: it bounds the decode a
 * receiver runs inside the delivery's write (a 1 MiB JPEG can otherwise claim 100 MP).
 */
export const GROUP_MAX_IMAGE_PIXELS = 24_000_000;

const FORMAT_OF_MIME: Record<string, "jpeg" | "webp" | "png"> = {
  "image/jpeg": "jpeg",
  "image/webp": "webp",
  "image/png": "png",
};
const MIME_OF_FORMAT = { jpeg: "image/jpeg", webp: "image/webp", png: "image/png" } as const;

/**
 * The engine's `inspect` hook: the body to store for an incoming attachment post, or a
 * {@link GroupError} `malformed` refusing it (an image sharp does not decode — SVG, HTML, PDF,
 * polyglots, garbage — or a "voice clip" that is not Ogg/Opus or M4A/AAC).
 */
export async function inspectAttachment(type: PayloadType, body: Uint8Array): Promise<Uint8Array> {
  const a = decodeInline(body); // verified already; re-read to act on it
  if (ATTACHMENT_KINDS.get(type) !== a.kind) throw refused("its kind does not match its type");
  const { isMediaError } = await import("../media/media_error.ts");
  try {
    if (a.kind === "image") {
      const { sanitizeImage } = await import("../media/image_sanitize.ts");
      const clean = await inSanitizeSlot(() =>
        sanitizeImage(a.bytes, {
          format: FORMAT_OF_MIME[a.mime],
          maxInputPixels: GROUP_MAX_IMAGE_PIXELS,
        })
      );
      // Re-encoding can grow a heavily compressed image past the cap: refuse it (an exception
      // here would leave the envelope unacked, retried and re-decoded forever).
      if (clean.bytes.length > MAX_INLINE_BYTES) {
        throw refused(`its clean copy (${clean.bytes.length} bytes) is over the inline cap`);
      }
      return encodeInline(inlineAttachment({
        ...a,
        bytes: clean.bytes,
        mime: MIME_OF_FORMAT[clean.format],
        width: clean.width,
        height: clean.height,
      }));
    }
    if (a.kind === "voice") {
      const { probeVoice } = await import("../media/voice_probe.ts");
      const clip = probeVoice(a.bytes);
      return encodeInline({ ...a, mime: clip.mime, durationMs: clip.durationMs });
    }
    return body;
  } catch (err) {
    if (!isMediaError(err)) throw err;
    throw refused((err as Error).message);
  }
}

function refused(why: string): GroupError {
  return new GroupError("malformed", `A group attachment was refused: ${why}`);
}

/** The attachment of a stored post, as the inbox shows it (inline: always complete). */
export function attachmentRecord(
  type: PayloadType,
  body: Uint8Array,
): AttachmentRecord | undefined {
  const kind = ATTACHMENT_KINDS.get(type);
  if (kind === undefined) return undefined;
  const a = decodeInline(body);
  return {
    kind,
    name: a.name,
    size: a.bytes.length,
    mime: a.mime,
    sha256: toHex(a.sha256),
    ...(kind === "voice" ? { durationMs: a.durationMs } : {}),
    ...(kind === "image" ? { width: a.width, height: a.height } : {}),
    state: "complete",
    chunks: 1,
    have: 1,
  };
}

/** What `group send --file/--image/--voice` hands the hub. */
export interface GroupAttachmentInput {
  kind: AttachmentKind;
  name: string;
  mime: string;
  bytes: Uint8Array;
  width?: number;
  height?: number;
  durationMs?: number;
}

/** The cap, as the sender meets it: 65 with a hint. */
export function overCap(kind: AttachmentKind, size: number): LegionError {
  return new LegionError(
    "bad_data",
    `The ${kind} is ${size} bytes; a group post carries at most ${MAX_INLINE_BYTES}`,
    {
      hint: kind === "image"
        ? "pass --max-side (e.g. --max-side 2048) or --format webp to make it smaller"
        : "larger files in groups are not supported yet; send it to members one by one " +
          "(legion send NAME --file …)",
    },
  );
}

/** The inline body for a post, checked against the cap. */
export function encodeGroupAttachment(input: GroupAttachmentInput): Uint8Array {
  if (input.bytes.length > MAX_INLINE_BYTES) throw overCap(input.kind, input.bytes.length);
  const a: InlineAttachment = inlineAttachment({
    kind: input.kind,
    name: input.name,
    mime: input.mime,
    bytes: input.bytes,
    width: input.kind === "image" ? input.width ?? 0 : 0,
    height: input.kind === "image" ? input.height ?? 0 : 0,
    durationMs: input.kind === "voice" ? input.durationMs ?? 0 : 0,
  });
  try {
    return encodeInline(a);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new LegionError("usage", `Cannot post this attachment: ${err.message}`);
  }
}
