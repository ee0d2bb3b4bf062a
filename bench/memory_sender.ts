/**
 * The sending half of `bench/memory_bench.ts`, run in a process of its own so the bench's figures
 * count the receiving node only: makes a peer node, imports the receiver's card, encrypts N texts
 * with the node's own `sendText` (ciphertexts are made at enqueue time) and writes the outbox's
 * deliveries to a file, with the peer's card beside it.
 *
 * Run by memory_bench.ts: deno run --allow-all bench/memory_sender.ts DIR COUNT
 * (reads DIR/node.card, writes DIR/peer.card and DIR/deliveries.bin)
 */
import { join } from "node:path";
import { MemoryNetwork } from "../src/transport/memory_transport.ts";
import { importCard } from "../src/store/contacts_import.ts";
import { listOutbox } from "../src/store/outbox.ts";
import { messagingNode } from "../tests/support/messaging.ts";

/** Length-prefixed (u32 big-endian) id and ciphertext, one pair per delivery. */
export function encodeDeliveries(items: { id: Uint8Array; ciphertext: Uint8Array }[]): Uint8Array {
  const size = items.reduce((n, item) => n + 8 + item.id.length + item.ciphertext.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const { id, ciphertext } of items) {
    for (const part of [id, ciphertext]) {
      view.setUint32(at, part.length);
      out.set(part, at + 4);
      at += 4 + part.length;
    }
  }
  return out;
}

/** Anything with Deno.FsFile's `read` (the bench also runs under Bun, on a node:fs handle). */
export interface ByteReader {
  read(into: Uint8Array): Promise<number | null>;
}

/** Reads back what `encodeDeliveries` wrote, one delivery at a time. */
export async function* readDeliveries(
  file: ByteReader,
): AsyncGenerator<{ id: Uint8Array; ciphertext: Uint8Array }> {
  const part = async () => {
    const head = new Uint8Array(4);
    if (await readFull(file, head) === 0) return undefined;
    const body = new Uint8Array(new DataView(head.buffer).getUint32(0));
    await readFull(file, body);
    return body;
  };
  while (true) {
    const id = await part();
    if (!id) return;
    yield { id, ciphertext: (await part())! };
  }
}

async function readFull(file: ByteReader, into: Uint8Array): Promise<number> {
  let at = 0;
  while (at < into.length) {
    const n = await file.read(into.subarray(at));
    if (n === null) {
      if (at === 0) return 0;
      throw new Error("deliveries file truncated");
    }
    at += n;
  }
  return at;
}

if (import.meta.main) {
  const [dir, count] = Deno.args;
  const clock = { now: Date.now() };
  const peer = await messagingNode(new MemoryNetwork(), dir, "peer", clock);
  await importCard(peer.node.signal, await Deno.readTextFile(join(dir, "node.card")), {
    now: clock.now,
  });
  const text = "m".repeat(256);
  for (let sent = 0; sent < Number(count); sent++) {
    await peer.messenger.sendText("node", `${sent} ${text}`);
  }
  await Deno.writeFile(
    join(dir, "deliveries.bin"),
    encodeDeliveries(listOutbox(peer.node.db, peer.node.sealer)),
  );
  await Deno.writeTextFile(
    join(dir, "peer.card"),
    await peer.node.signal.exportCard({ name: "peer" }),
  );
  peer.node.close();
}
