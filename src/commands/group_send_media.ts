/**
 * `legion group send NAME --image PATH [--max-side PX] [--format …]`, `--file PATH|-` and
 * `--voice PATH`: an attachment inline in one group post (docs/groups.md, "Attachments"). The cap
 * (MAX_INLINE_BYTES, ≈ 1 MiB) is checked first: a regular file over it is refused (65) before a
 * byte is read, stdin as soon as it crosses it, an image once sanitised (its input may be larger:
 * `--max-side` shrinks it). Images are sanitised here as for `send --image` (same `stripped:`
 * report); each receiving member sanitises again.
 */
import { statSync } from "node:fs";
import { basename } from "node:path";
import type { Invocation } from "../cli/invocation.ts";
import { readInput } from "../cli/read_input.ts";
import { toBase64 } from "../crypto/base64.ts";
import { LegionError } from "../errors.ts";
import type { ServiceParams } from "../node/service_map.ts";
import { MAX_INLINE_BYTES } from "../protocol/group_attachment.ts";
import { GROUP_MAX_IMAGE_PIXELS, overCap } from "../node/group_media.ts";
import type { ImageFormat } from "../media/image_sanitize.ts";
import { imageName, sanitizeForSend } from "./send_image.ts";

export interface GroupMediaOptions {
  file?: string;
  image?: string;
  voice?: string;
  maxSide?: number;
  format?: ImageFormat;
  name?: string;
  mime?: string;
}

/** Which attachment option was given (at most one), checked against the others. */
export function attachmentOption(
  options: GroupMediaOptions,
  hasText: boolean,
): "file" | "image" | "voice" | undefined {
  const given = (["file", "image", "voice"] as const).filter((k) => options[k] !== undefined);
  if (given.length > 1) {
    throw new LegionError("usage", `--${given[0]} and --${given[1]} cannot be used together`);
  }
  const kind = given[0];
  if (kind !== undefined && hasText) {
    throw new LegionError("usage", `--${kind} and a text message cannot be posted together`, {
      hint: "post them one after the other",
    });
  }
  if (kind !== "image" && (options.maxSide !== undefined || options.format !== undefined)) {
    throw new LegionError(
      "usage",
      `--${options.maxSide !== undefined ? "max-side" : "format"} needs --image`,
    );
  }
  if (kind !== "file" && options.mime !== undefined) {
    throw new LegionError(
      "usage",
      "--mime needs --file (images and voice clips are typed by their bytes)",
    );
  }
  if (kind === undefined && options.name !== undefined) {
    throw new LegionError("usage", "--name needs --file, --image or --voice");
  }
  return kind;
}

/** Reads (and for an image sanitises) the attachment: the `group.send_file` params. */
export async function groupAttachmentParams(
  inv: Invocation,
  group: string,
  kind: "file" | "image" | "voice",
  options: GroupMediaOptions,
  post: { ttlSeconds?: number; burn: boolean },
): Promise<ServiceParams<"group.send_file">> {
  const base = { name: group, ttlSeconds: post.ttlSeconds, burn: post.burn };
  if (kind === "image") {
    const clean = (await sanitizeForSend(inv, { image: options.image!, ...options }))!;
    if (clean.bytes.length > MAX_INLINE_BYTES) throw overCap("image", clean.bytes.length);
    if (clean.width * clean.height > GROUP_MAX_IMAGE_PIXELS) {
      throw new LegionError(
        "bad_data",
        `The image has ${clean.width}x${clean.height} pixels; a group image has at most ` +
          `${GROUP_MAX_IMAGE_PIXELS / 1e6} MP`,
        { hint: "pass --max-side (e.g. --max-side 2048)" },
      );
    }
    return {
      ...base,
      kind,
      fileName: options.name ?? imageName(options.image!, clean.format),
      mime: `image/${clean.format}`,
      data: toBase64(clean.bytes),
      width: clean.width,
      height: clean.height,
    };
  }
  const path = (kind === "file" ? options.file : options.voice)!;
  if (path !== "-") {
    let size: number;
    try {
      const stat = statSync(path);
      if (!stat.isFile()) throw new LegionError("no_input", `${path} is not a regular file`);
      size = stat.size;
    } catch (err) {
      if (err instanceof LegionError) throw err;
      throw new LegionError("no_input", `Cannot read ${path}: ${(err as Error).message}`);
    }
    if (size > MAX_INLINE_BYTES) throw overCap(kind, size);
  }
  const bytes = await readInput(inv.ctx, path, {
    limit: MAX_INLINE_BYTES,
    what: kind,
    ttyHint: `pipe it in: legion group send NAME --${kind} - < FILE`,
    tooLarge: () => overCap(kind, MAX_INLINE_BYTES + 1),
  });
  const fileName = options.name ?? (path === "-" ? "stdin" : basename(path));
  if (kind === "file") {
    return {
      ...base,
      kind,
      fileName,
      mime: options.mime ?? "application/octet-stream",
      data: toBase64(bytes),
    };
  }
  const { probeVoice } = await import("../media/voice_probe.ts");
  const { isMediaError } = await import("../media/media_error.ts");
  try {
    const clip = probeVoice(bytes);
    return {
      ...base,
      kind,
      fileName,
      mime: clip.mime,
      durationMs: clip.durationMs,
      data: toBase64(bytes),
    };
  } catch (err) {
    if (!isMediaError(err)) throw err;
    throw new LegionError("bad_data", `Not a voice clip: ${err.message}`, {
      hint:
        "a voice clip is Ogg/Opus or M4A/AAC (checked by its bytes); post other files with --file",
    });
  }
}
