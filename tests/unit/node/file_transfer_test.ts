/**
 * Files over the memory transport (real SQLite, libsignal, libsodium, hello and framing): round
 * trip with a matching SHA-256, resumption after a broken stream without re-sending what arrived,
 * tampered / reordered / truncated chunks refused, the cap, burns covering the chunks.
 */
import { assert, assertEquals, assertRejects } from "../../support/assert.ts";
import { eventsOf, messagingPair } from "../../support/messaging.ts";
import { tempDir } from "../../support/cli.ts";
import { fromHex, toHex } from "../../../src/crypto/hex.ts";
import type { Messenger } from "../../../src/node/messenger.ts";
import { getMessage } from "../../../src/store/messages.ts";
import { chunkCount } from "../../../src/protocol/file_descriptor.ts";
import { getTransfer } from "../../../src/store/transfers.ts";
import type { Database } from "../../../src/store/db.ts";
import { MAX_CHUNKS_PER_FRAME } from "../../../src/protocol/delivery.ts";
import { FRAME_WINDOW } from "../../../src/node/outbound.ts";
import { isUserError } from "../../support/user_error.ts";
import { runService } from "../../../src/node/services.ts";
import { fromBase64 } from "../../../src/crypto/base64.ts";

function pseudoRandom(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes))));
}

/** Streams `bytes` in uneven slices, as `send --file` does through the services. */
async function sendFile(messenger: Messenger, bytes: Uint8Array, name = "report.bin") {
  const handle = await messenger.uploads.begin({
    to: "bob",
    kind: "file",
    name,
    mime: "application/octet-stream",
    size: bytes.length,
  });
  for (let at = 0; at < bytes.length; at += 100_003) {
    await messenger.uploads.append(handle, bytes.subarray(at, at + 100_003));
  }
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
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function chunkRows(db: Database, id: Uint8Array): number {
  return Number(
    (db.prepare("SELECT count(*) AS n FROM file_chunks WHERE transfer_id = ?").get(id) as {
      n: number;
    }).n,
  );
}

Deno.test("a multi-MiB file crosses with a matching SHA-256 and is listed in the inbox", async () => {
  await using dir = await tempDir();
  const { alice, bob, bobId } = await messagingPair(dir.path);
  const listener = await bob.listen();
  try {
    const bytes = pseudoRandom(5 * 1024 * 1024 + 12345);
    const sent = await sendFile(alice.messenger, bytes);
    assertEquals(sent.sha256, await sha256(bytes));
    const id = fromHex(sent.id);
    assert(await alice.deliverer.deliverTo(bobId));
    assertEquals(alice.deliverer.stats.chunksSent, chunkCount(bytes.length));
    assertEquals(getMessage(alice.node.db, alice.node.sealer, id)!.state, "delivered");
    assertEquals(eventsOf(alice, "delivered").map((e) => e.id), [sent.id]);
    assertEquals(chunkRows(alice.node.db, id), 0, "the sender drops its chunks once verified");
    assertEquals(eventsOf(bob, "file").map((e) => [e.id, e.state]), [[sent.id, "complete"]]);
    const [record] = await bob.messenger.inbox();
    assertEquals(record.kind, "file");
    assertEquals(record.text, "");
    assertEquals(record.attachment?.name, "report.bin");
    assertEquals(record.attachment?.size, bytes.length);
    assertEquals(record.attachment?.state, "complete");
    assertEquals(record.attachment?.sha256, sent.sha256);
    assert(!JSON.stringify(record).includes("key"), "the inbox never shows the file key");
    const out = await saved(bob.messenger, id);
    assertEquals(await sha256(out), sent.sha256);
  } finally {
    await listener.close();
  }
});

Deno.test("binary bytes and an empty file are kept byte-exact", async () => {
  await using dir = await tempDir();
  const { alice, bob, bobId } = await messagingPair(dir.path);
  const listener = await bob.listen();
  try {
    const binary = new Uint8Array([0xff, 0xfe, 0x00, 0x0a, 0x0d, 0x80]);
    const a = await sendFile(alice.messenger, binary);
    const b = await sendFile(alice.messenger, new Uint8Array(0), "empty");
    const c = await sendFile(alice.messenger, pseudoRandom(64 * 1024, 7), "exact-chunk");
    assert(await alice.deliverer.deliverTo(bobId));
    assertEquals(await saved(bob.messenger, fromHex(a.id)), binary);
    assertEquals(await saved(bob.messenger, fromHex(b.id)), new Uint8Array(0));
    assertEquals(await saved(bob.messenger, fromHex(c.id)), pseudoRandom(64 * 1024, 7));
  } finally {
    await listener.close();
  }
});

Deno.test("a broken stream mid-transfer resumes from the receiver's high-water mark", async () => {
  await using dir = await tempDir();
  const { alice, bob, bobId } = await messagingPair(dir.path);
  const listener = await bob.listen();
  try {
    const bytes = pseudoRandom(6 * 1024 * 1024, 3);
    const chunks = chunkCount(bytes.length);
    const sent = await sendFile(alice.messenger, bytes);
    const id = fromHex(sent.id);
    // Cut the stream as the 6th chunks frame goes out, once the receiver has committed some.
    const transport = alice.transport;
    const dial = transport.dial.bind(transport);
    let frames = 0;
    transport.dial = async (...args) => {
      const stream = await dial(...args);
      const send = stream.send.bind(stream);
      stream.send = async (content) => {
        if (content[0] === 0x24 && ++frames === 6) {
          for (let i = 0; i < 200 && (getTransfer(bob.node.db, id)?.have ?? 0) === 0; i++) {
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          stream.destroy();
        }
        return await send(content);
      };
      return stream;
    };
    assertEquals(await alice.deliverer.deliverTo(bobId), false);
    const before = getTransfer(bob.node.db, id)!;
    assert(before.have > 0 && before.have < chunks, `partial: ${before.have}/${chunks}`);
    const sentBefore = alice.deliverer.stats.chunksSent;
    // A new deliverer (a restarted node) asks what arrived and sends only the rest.
    const { Deliverer } = await import("../../../src/node/outbound.ts");
    transport.dial = dial;
    const again = new Deliverer(alice.messenger, transport);
    assert(await again.deliverTo(bobId));
    assertEquals(again.stats.chunksSent, chunks - before.have, "nothing that arrived is re-sent");
    const resent = sentBefore + again.stats.chunksSent - chunks;
    assert(resent <= FRAME_WINDOW * MAX_CHUNKS_PER_FRAME, `re-sent ${resent} chunks`);
    assertEquals(getTransfer(bob.node.db, id)!.state, "complete");
    assertEquals(await sha256(await saved(bob.messenger, id)), sent.sha256);
  } finally {
    await listener.close();
  }
});

for (
  const [what, spoil] of [
    ["tampered", (db: Database, id: Uint8Array) => {
      const row = db.prepare("SELECT data FROM file_chunks WHERE transfer_id = ? AND idx = 1").get(
        id,
      ) as { data: Uint8Array };
      const data = new Uint8Array(row.data);
      data[100] ^= 1;
      db.prepare("UPDATE file_chunks SET data = ? WHERE transfer_id = ? AND idx = 1").run(data, id);
    }],
    ["reordered", (db: Database, id: Uint8Array) => {
      db.exec("UPDATE file_chunks SET idx = -1 WHERE idx = 0");
      db.exec("UPDATE file_chunks SET idx = 0 WHERE idx = 1");
      db.exec("UPDATE file_chunks SET idx = 1 WHERE idx = -1");
      void id;
    }],
    ["truncated", (db: Database, id: Uint8Array) => {
      const row = db.prepare("SELECT data FROM file_chunks WHERE transfer_id = ? AND idx = 2").get(
        id,
      ) as { data: Uint8Array };
      const data = new Uint8Array(row.data).slice(0, 1000);
      db.prepare("UPDATE file_chunks SET data = ? WHERE transfer_id = ? AND idx = 2").run(data, id);
    }],
  ] as const
) {
  Deno.test(`a ${what} chunk is refused: the file is corrupt at the receiver and failed at the sender`, async () => {
    await using dir = await tempDir();
    const { alice, bob, bobId } = await messagingPair(dir.path);
    const listener = await bob.listen();
    try {
      const sent = await sendFile(alice.messenger, pseudoRandom(3 * 64 * 1024 + 5, 9));
      const id = fromHex(sent.id);
      spoil(alice.node.db, id);
      await alice.deliverer.deliverTo(bobId);
      assertEquals(getTransfer(bob.node.db, id)!.state, "corrupt");
      assertEquals(chunkRows(bob.node.db, id), 0, "a corrupt file's chunks are dropped");
      assertEquals(getMessage(alice.node.db, alice.node.sealer, id)!.state, "failed");
      const error = await assertRejects(() => bob.messenger.downloads.open(id));
      assert(isUserError(error), String(error));
    } finally {
      await listener.close();
    }
  });
}

Deno.test("over the cap: refused (exit 65) before anything is read, or as soon as it is crossed", async () => {
  await using dir = await tempDir();
  const { alice } = await messagingPair(dir.path);
  const params = { to: "bob", kind: "file", name: "x", mime: "application/octet-stream" } as const;
  const declared = await assertRejects(() =>
    alice.messenger.uploads.begin({ ...params, size: 2048, maxBytes: 1024 })
  );
  assertEquals((declared as { code?: string }).code, "bad_data");
  const handle = await alice.messenger.uploads.begin({ ...params, maxBytes: 1024 });
  await alice.messenger.uploads.append(handle, new Uint8Array(1000));
  const crossed = await assertRejects(() =>
    alice.messenger.uploads.append(handle, new Uint8Array(100))
  );
  assertEquals((crossed as { code?: string }).code, "bad_data");
  const rows = alice.node.db.prepare("SELECT count(*) AS n FROM transfers").get() as { n: number };
  assertEquals(Number(rows.n), 0, "nothing of a refused file stays");
});

Deno.test("a burn deletes an attachment's chunks on both sides", async () => {
  await using dir = await tempDir();
  const { alice, bob, bobId, aliceId } = await messagingPair(dir.path);
  const listener = await bob.listen();
  const aliceListener = await alice.listen();
  try {
    const sent = await sendFile(alice.messenger, pseudoRandom(200_000));
    const id = fromHex(sent.id);
    assert(await alice.deliverer.deliverTo(bobId));
    assert(chunkRows(bob.node.db, id) > 0);
    await bob.messenger.burn({ ids: [sent.id] });
    assertEquals(chunkRows(bob.node.db, id), 0);
    assertEquals(getTransfer(bob.node.db, id), undefined);
    await bob.deliverer.deliverTo(aliceId);
    assertEquals(getMessage(alice.node.db, alice.node.sealer, id), undefined);
  } finally {
    await listener.close();
    await aliceListener.close();
  }
});

Deno.test("a burn-after-reading attachment survives the inbox listing and burns once saved", async () => {
  await using dir = await tempDir();
  const { alice, bob, bobId, aliceId } = await messagingPair(dir.path);
  const listener = await bob.listen();
  const aliceListener = await alice.listen();
  try {
    const handle = await alice.messenger.uploads.begin({
      to: "bob",
      kind: "file",
      name: "once.txt",
      mime: "text/plain",
      burn: true,
    });
    await alice.messenger.uploads.append(handle, new TextEncoder().encode("read me once"));
    const sent = await alice.messenger.uploads.finish(handle);
    assert(await alice.deliverer.deliverTo(bobId));
    const listed = await bob.messenger.inbox();
    assertEquals(listed.map((m) => [m.id, m.burn, m.attachment?.state]), [[
      sent.id,
      true,
      "complete",
    ]]);
    assertEquals((await bob.messenger.inbox()).length, 1, "listing does not burn it");
    const host = { signal: bob.node.signal, messenger: bob.messenger };
    const { handle: read } = await runService(host, "file.open", { id: sent.id.slice(0, 8) });
    const { data, done } = await runService(host, "file.read", { handle: read });
    assert(done);
    assertEquals(new TextDecoder().decode(fromBase64(data)), "read me once");
    assertEquals(await bob.messenger.inbox(), [], "saved, then burnt");
    assertEquals(chunkRows(bob.node.db, fromHex(sent.id)), 0);
    await bob.deliverer.deliverTo(aliceId);
    assertEquals(getMessage(alice.node.db, alice.node.sealer, fromHex(sent.id)), undefined);
  } finally {
    await listener.close();
    await aliceListener.close();
  }
});
