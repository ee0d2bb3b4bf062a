/**
 * Image messages over real SQLite and libsignal: the receiver sanitises the image again before
 * storing (a modified sender's metadata does not survive) and rejects what does not decode.
 */
import sharp from "sharp";
import { assertEquals } from "../../support/assert.ts";
import { MemoryNetwork } from "../../../src/transport/memory_transport.ts";
import { messagingNode } from "../../support/messaging.ts";
import { introduce, T0 } from "../../support/signal.ts";
import { tempDir } from "../../support/cli.ts";
import { itemsFor } from "../../../src/store/outbox.ts";
import { receive } from "../../../src/node/receive.ts";
import { AckStatus } from "../../../src/protocol/delivery.ts";
import { decodeImageBody, encodeImageBody } from "../../../src/media/image_body.ts";
import { leakyJpeg } from "../../support/image_fixture.ts";

async function pair(dir: string) {
  const network = new MemoryNetwork();
  const clock = { now: T0 };
  const alice = await messagingNode(network, dir, "alice", clock);
  const bob = await messagingNode(network, dir, "bob", clock);
  await introduce(alice.node, bob.node);
  return { clock, alice, bob, aliceAtBob: bob.node.signal.contact("alice") };
}

/** Alice's node queues `image` as-is (a modified sender that skipped sanitising); Bob receives. */
async function deliver(dir: string, image: Uint8Array, format: "jpeg" | "png" = "jpeg") {
  const { clock, alice, bob, aliceAtBob } = await pair(dir);
  const body = encodeImageBody({ format, width: 1, height: 1, bytes: image });
  const queued = await alice.messenger.sendImage("bob", body);
  const bobId = alice.node.signal.contact("bob").id;
  const [item] = itemsFor(alice.node.db, alice.node.sealer, bobId, clock.now);
  const result = await receive(bob.messenger, aliceAtBob, item.id, item.ciphertext);
  return { queued, result, bob };
}

Deno.test("receive() re-sanitises an image a modified sender left full of metadata", async () => {
  await using dir = await tempDir();
  const { bytes } = await leakyJpeg();
  const { queued, result, bob } = await deliver(dir.path, bytes);
  assertEquals(result.status, AckStatus.stored);
  const [record] = await bob.messenger.inbox();
  assertEquals([record.kind, record.text, record.image?.width, record.image?.height], [
    "image",
    "",
    32,
    64,
  ]);
  const stored = decodeImageBody((await bob.messenger.image(queued.id.slice(0, 8))).body);
  assertEquals([stored.format, stored.width, stored.height], ["jpeg", 32, 64]);
  const meta = await sharp(stored.bytes).metadata();
  assertEquals([meta.exif, meta.xmp, meta.icc, meta.iptc], [
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  assertEquals(record.id, queued.id);
});

Deno.test("receive() rejects an image message that is SVG, HTML or a truncated JPEG", async () => {
  const { bytes } = await leakyJpeg();
  const bad = [
    new TextEncoder().encode(`<svg xmlns="http://www.w3.org/2000/svg"/>`),
    new TextEncoder().encode("<html><script>alert(1)</script></html>"),
    bytes.subarray(0, bytes.length - 300),
  ];
  for (const image of bad) {
    await using dir = await tempDir();
    const { result, bob } = await deliver(dir.path, image);
    assertEquals(
      result.status,
      AckStatus.rejected,
      new TextDecoder().decode(image.subarray(0, 20)),
    );
    assertEquals(await bob.messenger.inbox(), []);
  }
});

Deno.test("receive() rejects an image body with a malformed header", async () => {
  await using dir = await tempDir();
  const { clock, alice, bob, aliceAtBob } = await pair(dir.path);
  const contact = alice.node.signal.contact("bob");
  const { PayloadType } = await import("../../../src/protocol/payload.ts");
  await alice.messenger.write(() =>
    alice.messenger.queueControl(contact, PayloadType.image, new Uint8Array([9, 9, 9]))
  );
  const [item] = itemsFor(alice.node.db, alice.node.sealer, contact.id, clock.now);
  const result = await receive(bob.messenger, aliceAtBob, item.id, item.ciphertext);
  assertEquals(result.status, AckStatus.rejected);
  assertEquals(await bob.messenger.inbox(), []);
});

Deno.test("receive() rejects an image over the receiver's pixel cap (the write lock stays short)", async () => {
  await using dir = await tempDir();
  // A small JPEG whose frame header (SOF0) claims 8000 × 6000 = 48 MP: under the sender's
  // 100 MP limit, over the receiver's 40 MP.
  const jpeg = new Uint8Array(
    await sharp({ create: { width: 16, height: 16, channels: 3, background: "#000" } }).jpeg()
      .toBuffer(),
  );
  let sof = 2;
  while (!(jpeg[sof] === 0xff && jpeg[sof + 1] === 0xc0)) {
    sof += 2 + (jpeg[sof + 2] << 8 | jpeg[sof + 3]);
  }
  new DataView(jpeg.buffer).setUint16(sof + 5, 6000);
  new DataView(jpeg.buffer).setUint16(sof + 7, 8000);
  const { result, bob } = await deliver(dir.path, jpeg);
  assertEquals(result.status, AckStatus.rejected);
  assertEquals(await bob.messenger.inbox(), []);
});
