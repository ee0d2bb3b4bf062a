/**
 * Attachments inline in group posts, with real nodes over the in-memory network (real SQLite,
 * libsignal, ts-mls, sharp). Alice owns "friends"; Bob and Carol are her contacts but not each
 * other's, so what Carol posts reaches Bob only on the roster-admitted group stream. Receivers
 * re-sanitise images whatever the author's software did, refuse what does not decode or verify,
 * and `save` (the `file.open`/`file.read` services) writes a group attachment out.
 */
import sharp from "sharp";
import { assert, assertEquals } from "../../support/assert.ts";
import { MemoryNetwork } from "../../../src/transport/memory_transport.ts";
import { eventsOf, type MessagingNode, messagingNode } from "../../support/messaging.ts";
import { introduce, T0 } from "../../support/signal.ts";
import { tempDir } from "../../support/cli.ts";
import { attachGroups, type GroupHub } from "../../../src/node/group_hub.ts";
import { outboxCount } from "../../../src/store/outbox.ts";
import { groupOutboxCount } from "../../../src/store/group_outbox.ts";
import type { Listener } from "../../../src/transport/transport.ts";
import { runService } from "../../../src/node/services.ts";
import { fromBase64 } from "../../../src/crypto/base64.ts";
import {
  encodeInline,
  inlineAttachment,
  MAX_INLINE_BYTES,
} from "../../../src/protocol/group_attachment.ts";
import { PayloadType } from "../../../src/protocol/payload.ts";
import { FIXTURE_HEIGHT, FIXTURE_WIDTH, leakyJpeg } from "../../support/image_fixture.ts";

interface Member {
  name: string;
  node: MessagingNode;
  hub: GroupHub;
}

async function group(dir: string) {
  const net = new MemoryNetwork();
  const clock = { now: T0 };
  const members: Member[] = [];
  for (const name of ["alice", "bob", "carol"]) {
    const node = await messagingNode(net, dir, name, clock);
    members.push({ name, node, hub: await attachGroups(node.messenger) });
  }
  const [alice, bob, carol] = members;
  for (const other of [bob, carol]) {
    await introduce(alice.node.node, other.node.node, "alice", other.name);
  }
  const listeners: Listener[] = [];
  for (const m of members) listeners.push(await m.node.listen());
  const pump = async () => {
    for (let pass = 0; pass < 30; pass++) {
      let queued = 0;
      for (const m of members) {
        const { db } = m.node.messenger.store;
        queued += outboxCount(db) + groupOutboxCount(db);
      }
      if (queued === 0) return;
      for (const m of members) await m.node.deliverer.deliverDue({ ignoreBackoff: true });
    }
    throw new Error("the queues did not drain");
  };
  await alice.hub.create("friends", ["bob", "carol"]);
  await pump();
  await bob.hub.accept("friends");
  await carol.hub.accept("friends");
  await pump();
  return {
    alice,
    bob,
    carol,
    pump,
    async [Symbol.asyncDispose]() {
      for (const listener of listeners) await listener.close();
    },
  };
}

/** What `legion save ID -` writes: the services `save` calls, read to the end. */
async function save(m: Member, id: string): Promise<Uint8Array> {
  const host = { signal: m.node.messenger.signal, messenger: m.node.messenger };
  const { handle, attachment } = await runService(host, "file.open", { id: id.slice(0, 8) });
  const parts: Uint8Array[] = [];
  for (;;) {
    const { data, done } = await runService(host, "file.read", { handle });
    parts.push(fromBase64(data)!);
    if (done) break;
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  assertEquals(out.length, attachment.size);
  return out;
}

Deno.test("a photo full of metadata posted to a group arrives at every member clean, upright and savable", async () => {
  await using dir = await tempDir();
  await using g = await group(dir.path);
  const { alice, bob, carol, pump } = g;
  const { bytes } = await leakyJpeg();
  const before = await sharp(bytes).metadata();
  assert(before.exif !== undefined && before.xmp !== undefined, "the fixture leaks");
  // A modified author: the raw photo, not sanitised, with a made-up pixel size.
  const sent = await carol.hub.sendAttachment("friends", {
    kind: "image",
    name: "photo.jpg",
    mime: "image/jpeg",
    bytes,
    width: 1,
    height: 1,
  });
  assertEquals(sent.items.length, 2);
  await pump();
  for (const m of [alice, bob]) {
    const events = eventsOf(m.node, "group_message").filter((e) => e.id === sent.id);
    assertEquals(events.length, 1, m.name);
    const [post] = (await m.hub.posts({ name: "friends" })).filter((p) => p.id === sent.id);
    const a = post.attachment!;
    assertEquals([post.kind, a.kind, a.state, a.mime, a.name], [
      "image",
      "image",
      "complete",
      "image/jpeg",
      "photo.jpg",
    ], m.name);
    // Measured on the receiver's own copy: upright 32 × 64, whatever the author claimed.
    assertEquals([a.width, a.height], [FIXTURE_HEIGHT, FIXTURE_WIDTH]);
    const out = await save(m, sent.id);
    const meta = await sharp(out).metadata();
    assertEquals([meta.format, meta.width, meta.height], ["jpeg", FIXTURE_HEIGHT, FIXTURE_WIDTH]);
    assertEquals([meta.exif, meta.xmp, meta.icc, meta.iptc, meta.orientation], [
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    const { data } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    assert(data[0] > 200 && data[2] < 60, `top-left pixel is red: ${data.subarray(0, 3)}`);
    const text = new TextDecoder("latin1").decode(out);
    for (const leak of ["Canon", "Alice Example", "2024:05:01", "http://ns.adobe.com"]) {
      assert(!text.includes(leak), `${m.name}: ${leak} survived`);
    }
  }
  // A plain file goes as it is, and is saved byte for byte.
  const file = new TextEncoder().encode("minutes of the meeting\n");
  const posted = await bob.hub.sendAttachment("friends", {
    kind: "file",
    name: "../../etc/minutes.txt",
    mime: "text/plain",
    bytes: file,
  });
  await pump();
  assertEquals(await save(carol, posted.id), file);
  // Burn after reading: saved once, then gone (as in 1:1).
  const burnt = await bob.hub.sendAttachment("friends", {
    kind: "file",
    name: "once.txt",
    mime: "text/plain",
    bytes: file,
  }, { burn: true });
  await pump();
  assert(carol.hub.attachment(burnt.id) !== undefined);
  assertEquals(await save(carol, burnt.id), file);
  assertEquals(carol.hub.attachment(burnt.id), undefined);
});

Deno.test("an SVG, garbage or a wrong SHA-256 posted as an image is refused by every receiver", async () => {
  await using dir = await tempDir();
  await using g = await group(dir.path);
  const { alice, bob, carol, pump } = g;
  const { bytes } = await leakyJpeg();
  const svg = new TextEncoder().encode(`<svg xmlns="http://www.w3.org/2000/svg"/>`);
  const garbage = randomBytes(4096);
  const lying = inlineAttachment({
    kind: "image",
    name: "x.jpg",
    mime: "image/jpeg",
    bytes,
    width: 0,
    height: 0,
    durationMs: 0,
  });
  lying.sha256[0] ^= 1;
  const bodies = [
    ["svg", encodeInline(inlineAttachment({ ...lying, bytes: svg, mime: "image/svg+xml" }))],
    ["garbage", encodeInline(inlineAttachment({ ...lying, bytes: garbage }))],
    ["sha256", encodeInline(lying)],
  ] as const;
  for (const [what, body] of bodies) {
    // A modified sender: straight to the engine, around every check of the hub.
    const sent = await carol.hub.engine.send(carol.hub.list()[0].groupId, {
      type: PayloadType.image,
      body,
    });
    for (const o of sent.outgoing) {
      await carol.node.messenger.enqueueGroupEnvelope(o.to, o.bytes);
    }
    await pump();
    for (const m of [alice, bob]) {
      const posts = await m.hub.posts({ name: "friends" });
      assertEquals(posts.length, 0, `${m.name} kept the ${what}`);
    }
  }
  // The group still works afterwards: the refusals spent nothing a later post needs.
  await carol.hub.send("friends", "still here");
  await pump();
  assertEquals((await bob.hub.posts({ name: "friends" })).map((p) => p.text), ["still here"]);
});

Deno.test("an attachment over the inline cap is refused (65) before anything is sealed", async () => {
  await using dir = await tempDir();
  await using g = await group(dir.path);
  const { MAX_INLINE_BYTES } = await import("../../../src/protocol/group_attachment.ts");
  const err = await g.carol.hub.sendAttachment("friends", {
    kind: "file",
    name: "big.bin",
    mime: "application/octet-stream",
    bytes: new Uint8Array(MAX_INLINE_BYTES + 1),
  }).then(() => undefined, (e) => e);
  assertEquals([err?.code, err?.exitCode], ["bad_data", 65]);
  assertEquals(groupOutboxCount(g.carol.node.messenger.store.db), 0);
  assertEquals(outboxCount(g.carol.node.messenger.store.db), 0);
  // At the cap exactly, a post with the longest name fits one group envelope.
  const at = await g.carol.hub.sendAttachment("friends", {
    kind: "file",
    name: "n".repeat(255),
    mime: "application/x-" + "a".repeat(112),
    bytes: randomBytes(MAX_INLINE_BYTES),
  });
  assertEquals(at.items.length, 2);
  await g.pump();
  assertEquals((await g.bob.hub.posts({ name: "friends" }))[0]?.attachment?.size, MAX_INLINE_BYTES);
});

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += 65_536) crypto.getRandomValues(out.subarray(at, at + 65_536));
  return out;
}

Deno.test("an image whose clean copy outgrows the inline cap is refused, not retried forever", async () => {
  await using dir = await tempDir();
  await using g = await group(dir.path);
  const { alice, bob, carol, pump } = g;
  // 16 MP of noise at JPEG quality 5 fits a post (≈0.6 MB); re-encoded at the receiver's quality
  // it is ≈1.2 MB, over the cap.
  const side = 4000;
  const noise = randomBytes(side * side * 3);
  const bytes = new Uint8Array(
    await sharp(noise, { raw: { width: side, height: side, channels: 3 } })
      .jpeg({ quality: 5 }).toBuffer(),
  );
  assert(bytes.length < MAX_INLINE_BYTES, `the fixture must fit a post (${bytes.length} bytes)`);
  const body = encodeInline(inlineAttachment({
    kind: "image",
    name: "noise.jpg",
    mime: "image/jpeg",
    bytes,
    width: side,
    height: side,
    durationMs: 0,
  }));
  const sent = await carol.hub.engine.send(carol.hub.list()[0].groupId, {
    type: PayloadType.image,
    body,
  });
  for (const o of sent.outgoing) await carol.node.messenger.enqueueGroupEnvelope(o.to, o.bytes);
  await pump(); // throws when a receiver never acks the envelope
  for (const m of [alice, bob]) {
    assertEquals((await m.hub.posts({ name: "friends" })).length, 0, `${m.name} kept it`);
  }
});
