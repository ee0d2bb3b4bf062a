/**
 * File transfer figures over the in-memory transport (real SQLite, libsignal, libsodium, hello,
 * framing and padding; only the Tor hop is replaced), both nodes in this process:
 *   - sealing: `send --file`'s work (secretstream push + SHA-256 + SQLite inserts), MiB/s;
 *   - transfer: chunks from A's store to B's (commit, signed have, end-to-end check), MiB/s,
 *     beside a raw stream (the same 1 MiB frames over a bare FramedStream pair, no storage);
 *   - memory: peak RSS above the idle RSS (both nodes set up) during sealing and transfer,
 *     sampled every 20 ms (target < 64 MiB; this counts both nodes, so it is conservative).
 *
 * Run: deno run --allow-all --v8-flags=--expose-gc bench/file_bench.ts   (LEGION_BENCH_FILE_MIB,
 * default 100; `deno bench` skips it)
 */
import { messagingPair } from "../tests/support/messaging.ts";
import { memoryChannelPair } from "../src/transport/memory_transport.ts";
import { FramedStream } from "../src/transport/framed_stream.ts";
import { fromHex } from "../src/crypto/hex.ts";
import { getTransfer } from "../src/store/transfers.ts";

const MIB = Number(Deno.env.get("LEGION_BENCH_FILE_MIB") ?? 100);
const MiB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;
const rss = () => Deno.memoryUsage().rss / MiB;

async function rawStream(mib: number): Promise<number> {
  const [a, b] = memoryChannelPair();
  const sender = new FramedStream(a);
  const receiver = new FramedStream(b);
  const frame = new Uint8Array(MiB - 64);
  const t0 = performance.now();
  const reading = (async () => {
    for (let i = 0; i < mib; i++) await receiver.receive();
  })();
  for (let i = 0; i < mib; i++) await sender.send(frame);
  await reading;
  const seconds = (performance.now() - t0) / 1000;
  sender.close();
  receiver.close();
  return mib / seconds;
}

async function main() {
  const dir = await Deno.makeTempDir({ prefix: "legion-file-bench-" });
  try {
    const { alice, bob, bobId } = await messagingPair(dir);
    const listener = await bob.listen();
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const idle = rss();
    let peak = idle;
    const sampler = setInterval(() => peak = Math.max(peak, rss()), 20);

    const slice = new Uint8Array(512 * 1024);
    crypto.getRandomValues(slice.subarray(0, 65536));
    const t0 = performance.now();
    const handle = await alice.messenger.uploads.begin({
      to: "bob",
      kind: "file",
      name: "bench.bin",
      mime: "application/octet-stream",
      size: MIB * MiB,
      maxBytes: MIB * MiB,
    });
    for (let sent = 0; sent < MIB * MiB; sent += slice.length) {
      await alice.messenger.uploads.append(handle, slice);
    }
    const queued = await alice.messenger.uploads.finish(handle);
    const sealSeconds = (performance.now() - t0) / 1000;
    const sealPeak = peak;

    const t1 = performance.now();
    const ok = await alice.deliverer.deliverTo(bobId);
    const transferSeconds = (performance.now() - t1) / 1000;
    clearInterval(sampler);
    const state = getTransfer(bob.node.db, fromHex(queued.id))?.state;
    await listener.close();
    const raw = await rawStream(Math.min(MIB, 200));

    console.log(`file bench: ${MIB} MiB over the memory transport (both nodes in one process)`);
    console.log(`  seal (send --file's work): ${(MIB / sealSeconds).toFixed(1)} MiB/s`);
    console.log(
      `  transfer: ${(MIB / transferSeconds).toFixed(1)} MiB/s (${
        ok && state === "complete" ? "complete, verified" : `NOT complete: ${state}`
      }); raw stream ${raw.toFixed(1)} MiB/s → ${
        (100 * (MIB / transferSeconds) / raw).toFixed(0)
      } %`,
    );
    console.log(
      `  RSS: idle ${idle.toFixed(1)} MiB; peak above idle ${(sealPeak - idle).toFixed(1)} MiB ` +
        `sealing, ${(peak - idle).toFixed(1)} MiB overall (target < 64 MiB)`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await main();
