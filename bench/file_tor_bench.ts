/**
 * The raw-stream baseline for file throughput over Tor (the file figure itself comes from
 * tests/integration/file_tor_test.ts, which prints its steady-state MiB/s): two TorTransports on
 * the private network (hello, framing and padding as Legion's), the dialer sends 1 MiB frames
 * with the file sender's window (FRAME_WINDOW frames in flight, each answered by a small frame) —
 * the same traffic pattern as `chunks` / `have`, without storage or crypto.
 *
 * Run: deno run --allow-all bench/file_tor_bench.ts   (LEGION_BENCH_FILE_MIB, default 32)
 */
import process from "node:process";
import {
  sharedTorNetwork,
  startNodeTor,
  stopSharedTorNetwork,
} from "../tests/support/tor_network.ts";
import type { TorInstance } from "../src/transport/tor_process.ts";
import { TorTransport } from "../src/transport/tor_transport.ts";
import type { FramedStream } from "../src/transport/framed_stream.ts";
import { knownPeerSet } from "../src/protocol/known_peers.ts";
import { deriveIdentity, newPhrase } from "../src/crypto/phrase_keys.ts";
import { FRAME_WINDOW } from "../src/node/outbound.ts";

const MIB = Number(Deno.env.get("LEGION_BENCH_FILE_MIB") ?? 32);

async function main() {
  const tors: TorInstance[] = [];
  const work = await Deno.makeTempDir({ prefix: "legion-file-tor-bench-" });
  try {
    const net = await sharedTorNetwork();
    for (let i = 0; i < 2; i++) tors.push(await startNodeTor(net, `${work}/tor${i}`));
    const keys = async () => {
      const k = await deriveIdentity(await newPhrase());
      return { seed: k.seed, publicKey: k.publicKey };
    };
    const [idA, idB] = [await keys(), await keys()];
    const a = new TorTransport({
      identity: idA,
      knownPeers: knownPeerSet([idB.publicKey]),
      tor: tors[0],
    });
    const b = new TorTransport({
      identity: idB,
      knownPeers: knownPeerSet([idA.publicKey]),
      tor: tors[1],
    });
    const small = new Uint8Array(86);
    await b.listen(async (stream: FramedStream) => {
      while (true) {
        await stream.receive();
        await stream.send(small);
      }
    });
    const stream = await a.dial(b.onion);
    const frame = new Uint8Array(15 * (65536 + 17 + 4) + 22);
    // Warm the circuit, then time MIB frames' worth.
    await stream.send(frame);
    await stream.receive();
    const frames = Math.ceil(MIB / (frame.length / 1048576));
    const t0 = performance.now();
    let inFlight = 0;
    for (let sent = 0; sent < frames || inFlight > 0;) {
      while (inFlight < FRAME_WINDOW && sent < frames) {
        await stream.send(frame);
        sent++;
        inFlight++;
      }
      await stream.receive();
      inFlight--;
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `raw stream over Tor, ${MIB} MiB in 1 MiB frames (window ${FRAME_WINDOW}): ` +
        `${(MIB / seconds).toFixed(2)} MiB/s`,
    );
    stream.close();
  } finally {
    for (const tor of tors) if (tor.pid) process.kill(tor.pid, "SIGKILL");
    await stopSharedTorNetwork();
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  await main();
  Deno.exit(0);
}
