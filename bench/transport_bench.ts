/**
 * Transport figures on a private Tor network (tests/support/tor_network.ts), all on 127.0.0.1:
 *
 * - printed as medians of several runs: network to full consensus, a node's tor from spawn to
 *   `Bootstrapped 100%`, onion publish (ADD_ONION → first HS_DESC UPLOADED), SOCKS connect, dial
 *   with hello, 64 B frame round trip;
 * - `Deno.bench` cases: SOCKS connect to a published onion, dial + hello, and a small frame round
 *   trip over Tor next to the same round trip in memory (baseline).
 *
 * Run: `deno task bench` (≈1 min; every tor is stopped by PID at the end).
 */
import process from "node:process";
import { sharedTorNetwork, startNodeTor } from "../tests/support/tor_network.ts";
import type { TorInstance } from "../src/transport/tor_process.ts";
import { TorTransport } from "../src/transport/tor_transport.ts";
import { MemoryNetwork } from "../src/transport/memory_transport.ts";
import { dialSocks } from "../src/transport/socks_dialer.ts";
import type { FramedStream } from "../src/transport/framed_stream.ts";
import type { Transport } from "../src/transport/transport.ts";
import { knownPeerSet } from "../src/protocol/known_peers.ts";
import { deriveIdentity, newPhrase } from "../src/crypto/phrase_keys.ts";

const SAMPLES = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs: number[]) =>
  `median ${median(xs).toFixed(2)} s (${xs.map((x) => x.toFixed(2)).join(", ")})`;

const tors: TorInstance[] = [];
globalThis.addEventListener("unload", () => {
  for (const tor of tors) if (tor.pid) process.kill(tor.pid, "SIGKILL");
});

const net = await sharedTorNetwork();
const work = await Deno.makeTempDir({ prefix: "legion-bench-" });
globalThis.addEventListener("unload", () => Deno.removeSync(work, { recursive: true }));

const bootstrap: number[] = [];
for (let i = 0; i < SAMPLES; i++) {
  const started = performance.now();
  tors.push(await startNodeTor(net, `${work}/tor${i}`, { attempts: 1 }));
  bootstrap.push((performance.now() - started) / 1000);
}
const [torA, torB] = tors;
const keys = async () => {
  const k = await deriveIdentity(await newPhrase());
  return { seed: k.seed, publicKey: k.publicKey };
};
const [idA, idB] = [await keys(), await keys()];
const nodeA = new TorTransport({
  identity: idA,
  knownPeers: knownPeerSet([idB.publicKey]),
  tor: torA,
});
const nodeB = new TorTransport({
  identity: idB,
  knownPeers: knownPeerSet([idA.publicKey]),
  tor: torB,
});
const echo = async (stream: FramedStream) => {
  while (true) await stream.send(await stream.receive());
};

// Each sample publishes a fresh key, as a first `legion listen` would.
const publish: number[] = [];
for (let i = 0; i < SAMPLES - 1; i++) {
  const fresh = new TorTransport({
    identity: await keys(),
    knownPeers: knownPeerSet([]),
    tor: torB,
  });
  await (await fresh.listen(echo)).close();
  publish.push(fresh.publishSeconds);
}
await nodeB.listen(echo);
publish.push(nodeB.publishSeconds);

console.log(`private network to full consensus: ${net.consensusSeconds.toFixed(2)} s`);
console.log(`tor bootstrap (spawn to 100%):     ${fmt(bootstrap)}`);
console.log(`onion publish (to HS_DESC upload):  ${fmt(publish)}`);

const firstConnect = performance.now();
(await dialSocks(torA.socks, nodeB.onion)).destroy();
console.log(
  `first SOCKS connect to the onion:   ${((performance.now() - firstConnect) / 1000).toFixed(2)} s`,
);

const torStream = await nodeA.dial(nodeB.onion);
const memory = new MemoryNetwork();
const memA = memory.transport({ identity: idA, knownPeers: knownPeerSet([idB.publicKey]) });
const memB: Transport = memory.transport({
  identity: idB,
  knownPeers: knownPeerSet([idA.publicKey]),
});
await memB.listen(echo);
const memStream = await memA.dial(memB.onion);
const small = new Uint8Array(64).fill(1);

/** Median of `n` timed runs of `fn`, in milliseconds. */
async function medianMs(n: number, fn: () => Promise<unknown>): Promise<string> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return `median ${median(times).toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}, max ${
    Math.max(...times).toFixed(1)
  }, n=${n})`;
}
console.log(
  `SOCKS connect, published onion:     ${await medianMs(
    10,
    async () => (await dialSocks(torA.socks, nodeB.onion)).destroy(),
  )}`,
);
console.log(
  `dial + hello + ack:                 ${await medianMs(
    10,
    async () => (await nodeA.dial(nodeB.onion)).close(),
  )}`,
);
console.log(
  `64 B frame round trip over Tor:     ${await medianMs(30, async () => {
    await torStream.send(small);
    await torStream.receive();
  })}`,
);

Deno.bench(
  { name: "SOCKS connect to a published onion", group: "connect", n: 10, warmup: 1 },
  async () => {
    (await dialSocks(torA.socks, nodeB.onion)).destroy();
  },
);

Deno.bench(
  { name: "dial + hello + ack over Tor", group: "connect", n: 10, warmup: 1 },
  async () => {
    (await nodeA.dial(nodeB.onion)).close();
  },
);

Deno.bench(
  { name: "64 B frame round trip, in memory", group: "round trip", baseline: true },
  async () => {
    await memStream.send(small);
    await memStream.receive();
  },
);

Deno.bench(
  { name: "64 B frame round trip over Tor", group: "round trip", n: 30, warmup: 3 },
  async () => {
    await torStream.send(small);
    await torStream.receive();
  },
);
