/**
 * Images over the file path, memory transport (real SQLite, libsignal, libsodium, sharp): the
 * receiver sanitises a completed image again and keeps only its clean copy (a modified sender's
 * metadata does not survive, the photo arrives upright), and refuses what does not decode — the
 * transfer is `corrupt`, nothing of it is kept, and the sender's message is `failed`.
 */
import sharp from "sharp";
import { assert, assertEquals } from "../../support/assert.ts";
import { eventsOf, messagingPair } from "../../support/messaging.ts";
import { tempDir } from "../../support/cli.ts";
import { fromHex } from "../../../src/crypto/hex.ts";
import type { Messenger } from "../../../src/node/messenger.ts";
import { getMessage } from "../../../src/store/messages.ts";
import { getTransfer } from "../../../src/store/transfers.ts";
import { FIXTURE_HEIGHT, FIXTURE_WIDTH, leakyJpeg } from "../../support/image_fixture.ts";

/** A modified sender: queues `bytes` as an image without sanitising them. */
async function sendRawImage(messenger: Messenger, bytes: Uint8Array, mime = "image/jpeg") {
  const handle = await messenger.uploads.begin({
    to: "bob",
    kind: "image",
    name: "photo.jpg",
    mime,
    size: bytes.length,
    width: 1,
    height: 1,
  });
  await messenger.uploads.append(handle, bytes);
  return await messenger.uploads.finish(handle);
}

async function saved(messenger: Messenger, id: Uint8Array): Promise<Uint8Array> {
  const { handle } = await messenger.downloads.open(id);
  const parts: Uint8Array[] = [];
  for (;;) {
    const { data, done } = await messenger.downloads.read(handle);
    parts.push(data);
    if (done) break;
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

Deno.test("an image a modified sender left full of metadata arrives clean and upright", async () => {
  await using dir = await tempDir();
  const { alice, bob, bobId } = await messagingPair(dir.path);
  const listener = await bob.listen();
  try {
    const { bytes } = await leakyJpeg();
    const before = await sharp(bytes).metadata();
    assert(before.exif !== undefined && before.xmp !== undefined, "the fixture leaks");
    const sent = await sendRawImage(alice.messenger, bytes);
    assert(await alice.deliverer.deliverTo(bobId));
    const id = fromHex(sent.id);
    assertEquals(getMessage(alice.node.db, alice.node.sealer, id)!.state, "delivered");
    assertEquals(eventsOf(bob, "file").map((e) => [e.id, e.state]), [[sent.id, "complete"]]);
    const [record] = await bob.messenger.inbox();
    const a = record.attachment!;
    assertEquals([record.kind, a.state, a.mime], ["image", "complete", "image/jpeg"]);
    // The receiver measured its own copy: upright, 32 × 64 (the sender claimed 1 × 1).
    assertEquals([a.width, a.height], [FIXTURE_HEIGHT, FIXTURE_WIDTH]);
    const out = await saved(bob.messenger, id);
    assertEquals(a.size, out.length);
    assert(a.sha256 !== sent.sha256, "the stored copy is the re-encoded one");
    const meta = await sharp(out).metadata();
    assertEquals([meta.format, meta.width, meta.height], ["jpeg", FIXTURE_HEIGHT, FIXTURE_WIDTH]);
    assertEquals([meta.exif, meta.xmp, meta.icc, meta.iptc, meta.orientation], [
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    // Upright: the fixture's left (red) half is on top once rotated.
    const { data } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    assert(data[0] > 200 && data[2] < 60, `top-left pixel is red: ${data.subarray(0, 3)}`);
  } finally {
    await listener.close();
  }
});

Deno.test("a non-image sent as kind image is refused by the receiver; the sender is told", async () => {
  const { bytes } = await leakyJpeg();
  const bad: Array<[string, Uint8Array]> = [
    ["svg", new TextEncoder().encode(`<svg xmlns="http://www.w3.org/2000/svg"/>`)],
    ["html", new TextEncoder().encode("<html><script>alert(1)</script></html>")],
    ["truncated", bytes.subarray(0, bytes.length - 300)],
  ];
  for (const [what, image] of bad) {
    await using dir = await tempDir();
    const { alice, bob, bobId } = await messagingPair(dir.path);
    const listener = await bob.listen();
    try {
      const sent = await sendRawImage(alice.messenger, image);
      await alice.deliverer.deliverTo(bobId);
      const id = fromHex(sent.id);
      assertEquals(getTransfer(bob.node.db, id)?.state, "corrupt", what);
      assertEquals(
        Number(
          (bob.node.db.prepare("SELECT count(*) AS n FROM file_chunks").get() as { n: number }).n,
        ),
        0,
        `${what}: nothing of it is kept`,
      );
      assertEquals(eventsOf(bob, "file").map((e) => e.state), ["corrupt"], what);
      assertEquals(getMessage(alice.node.db, alice.node.sealer, id)!.state, "failed", what);
      assertEquals(eventsOf(alice, "failed").map((e) => e.id), [sent.id], what);
    } finally {
      await listener.close();
    }
  }
});
