/**
 * `legion send --image` through the real CLI: what was stripped is printed, `--dry-run` writes the
 * clean copy without sending, anything but a raster image is exit 65; the clean image goes as an
 * attachment of kind image (the file path, so a large one is fine; over `--max-size` it is 65 with
 * a hint), `inbox` shows `[image WxH] NAME (…)` and `save` writes it out under a safe name, never
 * over an existing file.
 */
import sharp from "sharp";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { join } from "node:path";
import { runLegion, tempDir, withContact } from "../support/cli.ts";
import { exiftool, hasExiftool, leakyJpeg } from "../support/image_fixture.ts";

Deno.test("send --image --dry-run prints what was stripped and writes the clean copy beside it", async () => {
  await using dir = await tempDir();
  const photo = join(dir.path, "photo.jpg");
  await Deno.writeFile(photo, (await leakyJpeg()).bytes);
  const dry = await runLegion(["send", "bob", "--image", photo, "--dry-run"], { passphrase: null });
  assertEquals(dry.code, 0, dry.stderr);
  assertEquals(dry.stdout, "");
  assertMatch(
    dry.stderr,
    /^legion: stripped: Make, Model, Orientation, Artist, DateTimeOriginal, GPS/m,
  );
  const clean = await Deno.readFile(join(dir.path, "photo.clean.jpg"));
  const meta = await sharp(clean).metadata();
  assertEquals([meta.width, meta.height, meta.exif, meta.xmp], [32, 64, undefined, undefined]);
  if (await hasExiftool()) assert(!/\[(GPS|IFD0|IFD1|XMP|ICC)/.test(await exiftool(clean)));

  const out = join(dir.path, "small.webp");
  const json = await runLegion([
    "--json",
    "send",
    "bob",
    "--image",
    photo,
    "--dry-run",
    "--format",
    "webp",
    "--max-side",
    "16",
    "--out",
    out,
  ], { passphrase: null });
  assertEquals(json.code, 0, json.stderr);
  const record = JSON.parse(json.stdout);
  assertEquals([record.type, record.format, record.width, record.height, record.path], [
    "stripped",
    "webp",
    8,
    16,
    out,
  ]);
  assert(record.stripped.includes("GPS") && record.stripped.includes("XMP"));
  const again = await runLegion(["send", "bob", "--image", photo, "--dry-run", "--out", out], {
    passphrase: null,
  });
  assertEquals(again.code, 78, again.stderr); // never overwrites without --force
});

Deno.test("send --image refuses SVG, HTML, PDF and truncated images with exit 65", async () => {
  await using dir = await tempDir();
  const { bytes } = await leakyJpeg();
  const files: Record<string, Uint8Array | string> = {
    "vector.jpg": `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`,
    "page.png": "<!doctype html><html><body>hello</body></html>",
    "doc.jpg": "%PDF-1.7\n%\xe2\xe3\n1 0 obj <<>> endobj",
    "cut.jpg": bytes.subarray(0, bytes.length - 300),
  };
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir.path, name);
    if (typeof content === "string") await Deno.writeTextFile(path, content);
    else await Deno.writeFile(path, content);
    const sent = await runLegion(["send", "bob", "--image", path, "--dry-run"], {
      passphrase: null,
    });
    assertEquals(sent.code, 65, `${name}: ${sent.stderr}`);
    assertMatch(sent.stderr, /^legion: error: Cannot use the image: /m);
    assert(!/\n\s+at /.test(sent.stderr), sent.stderr);
  }
});

Deno.test("send --image queues an image attachment; inbox shows it and save writes it out safely", async () => {
  await using dir = await tempDir();
  const { alice } = await withContact(dir.path);
  const photo = join(dir.path, "photo.jpg");
  await Deno.writeFile(photo, (await leakyJpeg()).bytes);
  const sent = await runLegion(["--home", alice, "--json", "send", "bob", "--image", photo]);
  assertEquals(sent.code, 0, sent.stderr);
  const [stripped, queued] = sent.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assertEquals([stripped.type, queued.type], ["stripped", "queued"]);

  const inbox = await runLegion(["--home", alice, "inbox", "--all"]);
  assertEquals(inbox.code, 0, inbox.stderr);
  assertMatch(
    inbox.stdout,
    new RegExp(
      `${
        queued.id.slice(0, 8)
      } → bob .*\\[image 32x64\\] photo\\.jpg \\(\\d+ bytes, image/jpeg\\) sending`,
    ),
  );

  const out = join(dir.path, "out");
  await Deno.mkdir(out);
  const saved = await runLegion(["--home", alice, "save", queued.id.slice(0, 8), out]);
  assertEquals(saved.code, 0, saved.stderr);
  const path = saved.stdout.trim();
  assertEquals(path, join(await Deno.realPath(out), "photo.jpg"));
  assertEquals((await sharp(await Deno.readFile(path)).metadata()).format, "jpeg");
  const twice = await runLegion(["--home", alice, "save", queued.id.slice(0, 8), out]);
  assertEquals(twice.code, 78, twice.stderr);
  assertMatch(twice.stderr, /hint: pass --force/);
  const forced = await runLegion(["--home", alice, "save", queued.id.slice(0, 8), out, "--force"]);
  assertEquals(forced.code, 0, forced.stderr);

  const big = join(dir.path, "big.png");
  await sharp({
    create: {
      width: 1200,
      height: 1200,
      channels: 3,
      background: "#000",
      noise: { type: "gaussian", mean: 128, sigma: 60 },
    },
  }).png().toFile(big);
  const send = (...extra: string[]) =>
    runLegion([
      "--home",
      alice,
      "--json",
      "send",
      "bob",
      "--image",
      big,
      "--format",
      "png",
      ...extra,
    ]);
  const tooBig = await send("--max-size", "1M");
  assertEquals(tooBig.code, 65, tooBig.stderr);
  assertMatch(tooBig.stderr, /hint: pass --max-side/);
  // Larger than one message (≈1 MiB) is fine: images are chunked like any file.
  const large = await send();
  assertEquals(large.code, 0, large.stderr);
  const bigId = JSON.parse(large.stdout.trim().split("\n").at(-1)!).id as string;
  const listed = await runLegion(["--home", alice, "--json", "inbox", "--all"]);
  const record = listed.stdout.trim().split("\n").map((l) => JSON.parse(l)).find((r) =>
    r.id === bigId
  );
  assertEquals([record.attachment.width, record.attachment.height], [1200, 1200]);
  assert(record.attachment.size > 1024 * 1024, `${record.attachment.size}`);
  const mixed = await runLegion(["--home", alice, "send", "bob", "--image", big, "--file", big]);
  assertEquals(mixed.code, 2, mixed.stderr);
});
