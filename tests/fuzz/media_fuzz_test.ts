/**
 * Property tests of the media layer's byte readers and name cleaner (src/media/): random and
 * mutated input never throws anything but a MediaError, never hangs, and what is accepted keeps
 * the stated invariants.
 */
import sharp from "sharp";
import { exifTagNames } from "../../src/media/exif_tags.ts";
import { sanitizeImage } from "../../src/media/image_sanitize.ts";
import { embeddedForeign, sniffImage } from "../../src/media/image_sniff.ts";
import { jpegExtraSegments } from "../../src/media/jpeg_segments.ts";
import { isMediaError } from "../../src/media/media_error.ts";
import { MAX_NAME_BYTES, safeName } from "../../src/media/safe_name.ts";
import { probeVoice, sniffVoice } from "../../src/media/voice_probe.ts";
import { assert, assertEquals } from "../support/assert.ts";
import { leakyJpeg } from "../support/image_fixture.ts";
import { m4a, oggOpus } from "../support/voice_fixture.ts";
import { attempt, attemptAsync, bytes, fc, fuzz, mutate, mutations } from "./_fuzz.ts";

const DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;

/** Names an attacker would pick: traversal, devices, controls, bidi, long runs, unicode. */
const hostileName = fc.oneof(
  fc.string({ maxLength: 300, unit: "binary" }),
  fc.array(
    fc.constantFrom(
      "..",
      ".",
      "/",
      "\\",
      "\0",
      "\n",
      "\u202e",
      "\u2066",
      "\u200b",
      "\ufeff",
      "con",
      "NUL",
      "com1",
      ".txt",
      "a",
      "é",
      "😀",
      " ",
      "-",
      ":",
      "*",
      "x".repeat(120),
    ),
    { maxLength: 12 },
  ).map((parts) => parts.join("")),
);

fuzz(
  "safeName() always gives one safe, bounded, idempotent basename",
  fc.property(hostileName, (name) => {
    const safe = safeName(name);
    assert(safe.length > 0 && safe !== "." && safe !== "..");
    assert(!/[/\\\0<>:"|?*]/.test(safe), JSON.stringify(safe));
    assert(!/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(safe), JSON.stringify(safe));
    assert(!/^[.\-\s]/u.test(safe) && !/[.\s]$/u.test(safe), JSON.stringify(safe));
    assert(!DEVICE.test(safe.split(".")[0].trimEnd()), JSON.stringify(safe));
    assert(new TextEncoder().encode(safe).length <= MAX_NAME_BYTES + 1);
    assertEquals(safeName(safe), safe);
  }),
);

fuzz(
  "safeName() keeps an ordinary name as it is",
  fc.property(
    fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9 _()-]{0,40}\.(jpg|png|txt|pdf)$/),
    (name) => {
      if (/[\s]\./.test(name) || DEVICE.test(name.split(".")[0].trimEnd())) return;
      assertEquals(safeName(name), name);
    },
  ),
);

fuzz(
  "image and voice sniffers and the EXIF/JPEG readers never throw on random bytes",
  fc.property(bytes(2048), (data) => {
    const found = attempt(() => {
      sniffImage(data);
      embeddedForeign(data);
      jpegExtraSegments(data);
      exifTagNames(data);
      sniffVoice(data);
      return true;
    }, () => false);
    assert("ok" in found);
    const voice = attempt(() => probeVoice(data), (err) => isMediaError(err, "not_a_voice_clip"));
    assert("ok" in voice || "error" in voice);
  }),
);

const ogg = oggOpus(48_000 * 3);
const clip = m4a(2_500);
fuzz(
  "probeVoice() on mutated Ogg/Opus and M4A: a MediaError or a finite, non-negative duration",
  fc.property(fc.constantFrom(ogg, clip), mutations, (base, edits) => {
    const out = attempt(() => probeVoice(mutate(base, edits)), (err) => isMediaError(err));
    if ("ok" in out) assert(Number.isFinite(out.ok.durationMs) && out.ok.durationMs >= 0);
  }),
);

fuzz(
  "exifTagNames() on mutated EXIF blocks returns names and never throws",
  fc.property(mutations, (edits) => {
    const out = attempt(() => exifTagNames(mutate(EXIF, edits)), () => false);
    assert("ok" in out && out.ok.every((n) => typeof n === "string" && n.length > 0));
  }),
);

const { bytes: JPEG } = await leakyJpeg();
const EXIF = new Uint8Array((await sharp(JPEG).metadata()).exif!);

fuzz(
  "sanitizeImage() on mutated JPEGs: a MediaError or a clean JPEG, never anything else",
  fc.asyncProperty(mutations, async (edits) => {
    const out = await attemptAsync(
      () => sanitizeImage(mutate(JPEG, edits)),
      (e) => isMediaError(e),
    );
    if ("ok" in out) {
      const meta = await sharp(out.ok.bytes).metadata();
      assertEquals([meta.format, meta.exif, meta.xmp, meta.icc], [
        "jpeg",
        undefined,
        undefined,
        undefined,
      ]);
    }
  }),
  { divisor: 10 },
);

const samples = await Promise.all(
  (["jpeg", "png", "webp", "gif", "tiff", "avif"] as const).map(async (format) => {
    const image = sharp({ create: { width: 8, height: 8, channels: 3, background: "#468" } });
    return [format, new Uint8Array(await image.toFormat(format).toBuffer())] as const;
  }),
);

Deno.test("sniffImage() recognises each raster format sharp writes", () => {
  for (const [format, image] of samples) assertEquals(sniffImage(image), format);
});

fuzz(
  "sniffImage() on mutated images of every format: a raster format or nothing, never a throw",
  fc.property(fc.constantFrom(...samples), mutations, ([, image], edits) => {
    const out = attempt(() => sniffImage(mutate(image, edits)), () => false);
    assert("ok" in out);
    assert(out.ok === undefined || samples.some(([f]) => f === out.ok) || out.ok === "heif");
  }),
);
