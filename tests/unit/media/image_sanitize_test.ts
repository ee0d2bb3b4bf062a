import sharp from "sharp";
import { MAX_INPUT_PIXELS, sanitizeImage } from "../../../src/media/image_sanitize.ts";
import { isMediaError } from "../../../src/media/media_error.ts";
import { assert, assertEquals, assertRejects } from "../../support/assert.ts";
import {
  exiftool,
  FIXTURE_HEIGHT,
  FIXTURE_WIDTH,
  hasExiftool,
  leakyJpeg,
} from "../../support/image_fixture.ts";

const text = (s: string) => new TextEncoder().encode(s);

async function refused(bytes: Uint8Array, reason: string): Promise<void> {
  const err = await assertRejects(() => sanitizeImage(bytes), `expected ${reason}`);
  assert(isMediaError(err), `expected a MediaError, got ${err}`);
  assertEquals(err.reason, reason);
}

Deno.test("sanitizeImage() drops GPS, camera, dates, XMP, ICC, comment and thumbnail", async () => {
  const { bytes, thumbnail } = await leakyJpeg();
  const clean = await sanitizeImage(bytes);
  for (const name of ["GPS", "Make", "Model", "Artist", "DateTimeOriginal", "XMP", "Orientation"]) {
    assert(clean.stripped.includes(name), `${name} missing from ${clean.stripped}`);
  }
  assert(clean.stripped.includes("ICC profile"));
  if (thumbnail) assert(clean.stripped.includes("Thumbnail") && clean.stripped.includes("Comment"));
  const meta = await sharp(clean.bytes).metadata();
  assertEquals(
    [meta.exif, meta.xmp, meta.iptc, meta.icc, meta.comments],
    [undefined, undefined, undefined, undefined, undefined],
  );
  assertEquals([meta.format, meta.space, meta.orientation], ["jpeg", "srgb", undefined]);
  if (await hasExiftool()) {
    const listing = await exiftool(clean.bytes);
    for (const group of ["[IFD0]", "[IFD1]", "[ExifIFD]", "[GPS]", "[XMP", "[IPTC]", "[ICC"]) {
      assert(!listing.includes(group), `exiftool still finds ${group}:\n${listing}`);
    }
    assert(!/Comment|Canon|Alice/.test(listing), listing);
  }
});

Deno.test("sanitizeImage() applies the orientation so the photo is upright", async () => {
  const { bytes } = await leakyJpeg();
  const clean = await sanitizeImage(bytes, { format: "png" });
  assertEquals([clean.width, clean.height], [FIXTURE_HEIGHT, FIXTURE_WIDTH]);
  const { data, info } = await sharp(clean.bytes).raw().toBuffer({ resolveWithObject: true });
  const pixel = (x: number, y: number) =>
    [...data.subarray((y * info.width + x) * info.channels)]
      .slice(0, 3);
  // The stored image's left (red) half is its top once rotated 90° clockwise.
  const [r0, , b0] = pixel(info.width / 2, 4);
  const [r1, , b1] = pixel(info.width / 2, info.height - 4);
  assert(r0 > 200 && b0 < 60, `top should be red, got ${pixel(info.width / 2, 4)}`);
  assert(b1 > 200 && r1 < 60, `bottom should be blue, got ${pixel(info.width / 2, 60)}`);
});

Deno.test("sanitizeImage() writes the requested format and never enlarges past maxSide", async () => {
  const { bytes } = await leakyJpeg();
  const webp = await sanitizeImage(bytes, { format: "webp", maxSide: 16 });
  assertEquals([webp.format, webp.width, webp.height], ["webp", 8, 16]);
  assertEquals((await sharp(webp.bytes).metadata()).format, "webp");
  const big = await sanitizeImage(bytes, { maxSide: 4096 });
  assertEquals([big.width, big.height], [FIXTURE_HEIGHT, FIXTURE_WIDTH]);
});

Deno.test("sanitizeImage() keeps transparency by writing PNG for an input with alpha", async () => {
  const png = await sharp({
    create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
  }).png().toBuffer();
  const clean = await sanitizeImage(png);
  assertEquals([clean.format, clean.stripped], ["png", []]);
});

Deno.test("sanitizeImage() refuses SVG, HTML, PDF and text", async () => {
  await refused(
    text(`<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>`),
    "not_an_image",
  );
  await refused(text("<!doctype html><html><body>hi</body></html>"), "not_an_image");
  await refused(text("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"), "not_an_image");
  await refused(text("hello"), "not_an_image");
  await refused(new Uint8Array(0), "not_an_image");
});

/** A ZIP archive of one empty stored file "a": local header, central directory, end record. */
function emptyFileZip(): Uint8Array {
  const out = new Uint8Array(31 + 47 + 22);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x04034b50, true);
  view.setUint16(26, 1, true); // name length
  out[30] = 0x61;
  view.setUint32(31, 0x02014b50, true);
  view.setUint16(31 + 28, 1, true);
  out[31 + 46] = 0x61;
  view.setUint32(78, 0x06054b50, true);
  view.setUint16(78 + 8, 1, true);
  view.setUint16(78 + 10, 1, true);
  view.setUint32(78 + 12, 47, true); // directory size
  view.setUint32(78 + 16, 31, true); // directory offset
  return out;
}

Deno.test("sanitizeImage() refuses polyglots: HTML, PDF or ZIP inside an image", async () => {
  const { bytes } = await leakyJpeg();
  const join = (...parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) out.set(p, (at += p.length) - p.length);
    return out;
  };
  await refused(join(bytes, text("<html><script>alert(1)</script></html>")), "polyglot");
  await refused(join(bytes.subarray(0, 20), text("%PDF-1.4"), bytes.subarray(20)), "polyglot");
  await refused(join(bytes, emptyFileZip()), "polyglot");
});

Deno.test("sanitizeImage() refuses truncated and corrupt images", async () => {
  const { bytes } = await leakyJpeg();
  await refused(bytes.subarray(0, bytes.length - 200), "undecodable");
  await refused(bytes.subarray(0, 40), "undecodable");
  const png = new Uint8Array(
    await sharp({
      create: { width: 40, height: 40, channels: 3, background: "#123" },
    }).png().toBuffer(),
  );
  await refused(png.subarray(0, png.length - 30), "undecodable");
  const corrupt = png.slice();
  corrupt.fill(0x41, 40, 80);
  await refused(corrupt, "undecodable");
});

Deno.test("sanitizeImage() refuses a decompression bomb by its pixel count", async () => {
  // A small JPEG whose frame header (SOF0) claims 20000 × 20000 pixels.
  const bytes = new Uint8Array(
    await sharp({
      create: { width: 16, height: 16, channels: 3, background: "#000" },
    }).jpeg().toBuffer(),
  );
  let sof = 2;
  while (!(bytes[sof] === 0xff && bytes[sof + 1] === 0xc0)) {
    sof += 2 + (bytes[sof + 2] << 8 | bytes[sof + 3]);
  }
  const view = new DataView(bytes.buffer);
  view.setUint16(sof + 5, 20_000);
  view.setUint16(sof + 7, 20_000);
  assert(20_000 * 20_000 > MAX_INPUT_PIXELS);
  await refused(bytes, "too_large");
});
