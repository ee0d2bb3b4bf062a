/**
 * A JPEG made in the test with sharp, carrying what a phone photo leaks: GPS, Make/Model,
 * DateTimeOriginal, XMP (dc:creator), an ICC profile, a JPEG comment, an orientation of 6 (rotate
 * 90° clockwise to view) and, where `exiftool` is installed, an embedded EXIF thumbnail.
 */
import sharp from "sharp";

export const FIXTURE_WIDTH = 64; // stored width: upright, the image is 32 × 64
export const FIXTURE_HEIGHT = 32;

const XMP =
  `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">` +
  `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description ` +
  `xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Alice Example</dc:creator>` +
  `</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;

/** Whether exiftool is on PATH. */
export async function hasExiftool(): Promise<boolean> {
  try {
    return (await new Deno.Command("exiftool", { args: ["-ver"], stdout: "null", stderr: "null" })
      .output()).success;
  } catch {
    return false;
  }
}

/** Runs exiftool on bytes; returns its `-a -G1 -s` listing. */
export async function exiftool(bytes: Uint8Array, args: string[] = []): Promise<string> {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/image`;
    await Deno.writeFile(path, bytes);
    const out = await new Deno.Command("exiftool", { args: ["-a", "-G1", "-s", ...args, path] })
      .output();
    return new TextDecoder().decode(out.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The fixture; `thumbnail` tells whether exiftool could embed the thumbnail. */
export async function leakyJpeg(): Promise<{ bytes: Uint8Array; thumbnail: boolean }> {
  // Left half red, right half blue: after rotating 90° clockwise, the top is red.
  const left = await sharp({
    create: { width: FIXTURE_WIDTH / 2, height: FIXTURE_HEIGHT, channels: 3, background: "#f00" },
  }).png().toBuffer();
  const base = await sharp({
    create: { width: FIXTURE_WIDTH, height: FIXTURE_HEIGHT, channels: 3, background: "#00f" },
  }).composite([{ input: left, left: 0, top: 0 }]).png().toBuffer();
  const jpeg = await sharp(base)
    .withExif({
      IFD0: { Make: "Canon", Model: "EOS 5D", Artist: "Alice Example" },
      IFD2: { DateTimeOriginal: "2024:05:01 10:00:00" },
      IFD3: { GPSLatitudeRef: "N", GPSLatitude: "48/1 51/1 2/1", GPSLongitudeRef: "E" },
    })
    .withXmp(XMP)
    .withMetadata({ orientation: 6, icc: "p3" })
    .jpeg({ quality: 90 })
    .toBuffer();
  let bytes = new Uint8Array(jpeg);
  if (!await hasExiftool()) return { bytes, thumbnail: false };
  const dir = await Deno.makeTempDir();
  try {
    const thumb = await sharp(base).resize(16, 8).jpeg().toBuffer();
    await Deno.writeFile(`${dir}/thumb.jpg`, thumb);
    await Deno.writeFile(`${dir}/in.jpg`, bytes);
    const out = await new Deno.Command("exiftool", {
      args: [
        "-q",
        "-overwrite_original",
        `-ThumbnailImage<=${dir}/thumb.jpg`,
        "-Comment=taken at home",
        `${dir}/in.jpg`,
      ],
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    bytes = await Deno.readFile(`${dir}/in.jpg`);
    return { bytes, thumbnail: true };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
