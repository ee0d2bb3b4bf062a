/**
 * The transport end to end on a private Tor network (tests/support/tor_network.ts): two nodes, each
 * with its own tor joined through the extra torrc lines, publish their derived onions, dial each
 * other through SOCKS and exchange frames; strangers, stale and misaddressed hellos and oversized
 * frames are dropped; `legion listen` comes up and goes down cleanly. One network serves every step.
 */
import assert from "node:assert/strict";
import { isAlive, sharedTorNetwork, stopSharedTorNetwork } from "../support/tor_network.ts";
import { initIdentity, MAIN, TEST_PASSPHRASE } from "../support/cli.ts";
import { deriveIdentity, newPhrase } from "../../src/crypto/identity.ts";
import { onionAddress } from "../../src/crypto/onion.ts";
import { launchTor, type TorInstance } from "../../src/transport/tor_process.ts";
import { TorTransport } from "../../src/transport/tor_transport.ts";
import type { FramedStream } from "../../src/transport/framed_stream.ts";
import type { Listener, PeerInfo } from "../../src/transport/transport.ts";
import { dialSocks } from "../../src/transport/socks_dialer.ts";
import { socketChannel } from "../../src/transport/byte_channel.ts";
import { dialHandshake } from "../../src/transport/session.ts";
import { StreamError } from "../../src/transport/stream_error.ts";
import { knownPeerSet } from "../../src/protocol/known_peers.ts";
import { createHello } from "../../src/protocol/hello.ts";
import { encodeFrame } from "../../src/protocol/frame.ts";
import { isLegionError } from "../../src/errors.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function newIdentity() {
  const keys = await deriveIdentity(await newPhrase());
  return { seed: keys.seed, publicKey: keys.publicKey };
}

/** Echoes every frame back with a prefix; records why each inbound stream ended. */
function echoHandler(name: string, ended: string[]) {
  return async (stream: FramedStream, peer: PeerInfo) => {
    try {
      while (true) {
        const frame = await stream.receive({ timeoutMs: 60_000 });
        await stream.send(
          encoder.encode(`${name} got ${decoder.decode(frame)} from ${peer.onion}`),
        );
      }
    } catch (err) {
      ended.push(err instanceof StreamError ? err.reason : String(err));
    }
  };
}

async function rejection(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new assert.AssertionError({ message: "expected a rejection" });
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test({
  name: "transport over a private Tor network",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const tors: TorInstance[] = [];
    const listeners: Listener[] = [];
    const pids: number[] = [];
    const work = await Deno.makeTempDir({ prefix: "legion-transport-it-" });
    try {
      const net = await sharedTorNetwork();
      pids.push(...net.pids);
      const torrcFile = `${work}/torrc-extra`;
      await Deno.writeTextFile(torrcFile, net.torrcLines);

      const [torA, torB] = await Promise.all(
        ["a", "b"].map((name) =>
          launchTor({
            dataDir: `${work}/${name}/tor`,
            extraTorrc: net.torrcLines,
            bootstrapTimeoutMs: 120_000,
          })
        ),
      );
      tors.push(torA, torB);
      pids.push(torA.pid!, torB.pid!);
      const [idA, idB, stranger] = await Promise.all([newIdentity(), newIdentity(), newIdentity()]);
      const rejectedA: string[] = [];
      const rejectedB: string[] = [];
      const endedA: string[] = [];
      const endedB: string[] = [];
      const nodeA = new TorTransport({
        identity: idA,
        knownPeers: knownPeerSet([idB.publicKey]),
        tor: torA,
        onReject: (r) => rejectedA.push(r),
      });
      const nodeB = new TorTransport({
        identity: idB,
        knownPeers: knownPeerSet([idA.publicKey]),
        tor: torB,
        onReject: (r) => rejectedB.push(r),
      });

      await t.step("each node publishes the onion derived from its key", async () => {
        const [listenerA, listenerB] = await Promise.all([
          nodeA.listen(echoHandler("A", endedA)),
          nodeB.listen(echoHandler("B", endedB)),
        ]);
        listeners.push(listenerA, listenerB);
        assert.deepEqual(listenerA.onion, `${onionAddress(idA.publicKey)}.onion`);
        assert.deepEqual(listenerB.onion, `${onionAddress(idB.publicKey)}.onion`);
      });

      await t.step("each node dials the other through SOCKS and frames go both ways", async () => {
        const [fromA, fromB] = await Promise.all([
          nodeA.dial(nodeB.onion),
          nodeB.dial(nodeA.onion),
        ]);
        await fromA.send(encoder.encode("ping-a"));
        await fromB.send(encoder.encode("ping-b"));
        assert.deepEqual(
          decoder.decode(await fromA.receive()),
          `B got ping-a from ${nodeA.onion}`,
        );
        assert.deepEqual(
          decoder.decode(await fromB.receive()),
          `A got ping-b from ${nodeB.onion}`,
        );
        const big = new Uint8Array(200_000).fill(7);
        await fromA.send(big);
        const reply = await fromA.receive();
        assert(reply.length > 200_000, "a 200 kB frame makes the round trip");
        fromA.close();
        fromB.close();
      });

      await t.step("a stranger's hello is dropped without an answer", async () => {
        const strangerNode = new TorTransport({
          identity: stranger,
          knownPeers: knownPeerSet([]),
          tor: torA,
        });
        const err = await rejection(() => strangerNode.dial(nodeB.onion));
        assert(isLegionError(err, "peer_unavailable"), String(err));
        await waitFor("B to record the rejection", () => rejectedB.includes("unknown_key"));
      });

      await t.step("a hello with a stale timestamp is dropped", async () => {
        const lateA = new TorTransport({
          identity: idA,
          knownPeers: knownPeerSet([]),
          tor: torA,
          now: () => Date.now() - 60 * 60_000,
        });
        const err = await rejection(() => lateA.dial(nodeB.onion));
        assert(isLegionError(err, "peer_unavailable"), String(err));
        await waitFor("B to record the rejection", () => rejectedB.includes("stale"));
      });

      await t.step("a hello addressed to another node is dropped", async () => {
        const socket = await dialSocks(torA.socks, nodeB.onion);
        const err = await rejection(() =>
          dialHandshake(socketChannel(socket), {
            identity: idA,
            recipientKey: idA.publicKey, // bound to A, sent to B
            now: Date.now(),
          })
        );
        assert(isLegionError(err, "peer_unavailable"), String(err));
        await waitFor("B to record the rejection", () => rejectedB.includes("wrong_recipient"));
      });

      await t.step("an oversized frame closes the stream without being buffered", async () => {
        const socket = await dialSocks(torA.socks, nodeB.onion);
        const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
        const received: Uint8Array[] = [];
        socket.on("data", (chunk: Uint8Array) => received.push(chunk));
        socket.on("error", () => {});
        const hello = await createHello(idA, idB.publicKey, {
          nonce: crypto.getRandomValues(new Uint8Array(16)),
          timestampMs: Date.now(),
        });
        socket.write(encodeFrame(hello));
        await waitFor("the ack", () => received.length > 0);
        const before = endedB.filter((r) => r === "protocol").length;
        // Header claims a 1 GiB body; only a few bytes follow.
        socket.write(new Uint8Array([0x40, 0, 0, 0, 1, 2, 3]));
        await closed;
        await waitFor(
          "B to end the stream as a protocol error",
          () => endedB.filter((r) => r === "protocol").length > before,
        );
      });

      await t.step("dialing an onion nobody publishes fails as peer_unavailable", async () => {
        const nobody = await newIdentity();
        const quick = new TorTransport({
          identity: idA,
          knownPeers: knownPeerSet([]),
          tor: torA,
          socks: { attempts: 2, backoffMs: 200, timeoutMs: 60_000 },
        });
        const err = await rejection(() => quick.dial(`${onionAddress(nobody.publicKey)}.onion`));
        assert(isLegionError(err, "peer_unavailable"), String(err));
      });

      await t.step(
        "legion listen publishes its onion, prints ready and stops its tor",
        async () => {
          const home = `${work}/cli-home`;
          const { onion } = await initIdentity(home, `${work}/phrase.txt`);
          const child = new Deno.Command(Deno.execPath(), {
            args: [
              "run",
              "--allow-all",
              "--quiet",
              MAIN,
              "--home",
              home,
              "--json",
              "listen",
              "--torrc-extra",
              torrcFile,
            ],
            env: { LEGION_PASSPHRASE: TEST_PASSPHRASE, NO_COLOR: "1" },
            stdout: "piped",
            stderr: "piped",
          }).spawn();
          const stderr = new Response(child.stderr).text();
          const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
          let torPid = 0;
          try {
            let buffered = "";
            while (!buffered.includes("\n")) {
              const { value, done } = await reader.read();
              if (done) break;
              buffered += value;
            }
            const ready = JSON.parse(buffered.split("\n")[0]);
            assert.deepEqual(ready.type, "ready");
            assert.deepEqual(ready.onion, onion);
            torPid = ready.torPid;
            pids.push(torPid);
            assert(isAlive(torPid), "its tor runs while it listens");
            // The service is reachable through Tor; it knows nobody yet, so our hello is dropped.
            const err = await rejection(() => nodeA.dial(onion));
            assert(isLegionError(err, "peer_unavailable"), String(err));
          } finally {
            child.kill("SIGTERM");
          }
          const status = await child.status;
          reader.releaseLock();
          await child.stdout.cancel().catch(() => {});
          const log = await stderr;
          assert.deepEqual(status.code, 0, log);
          assert(log.includes("bootstrapped 100%"), log);
          await waitFor("its tor to exit", () => !isAlive(torPid), 10_000);
        },
      );
    } finally {
      for (const listener of listeners) await listener.close().catch(() => {});
      for (const tor of tors) await tor.stop();
      await stopSharedTorNetwork();
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
    const survivors = pids.filter(isAlive);
    assert.deepEqual(survivors, [], "no tor process is left behind");
  },
});
