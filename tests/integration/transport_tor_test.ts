/**
 * The transport end to end on a private Tor network (tests/support/tor_network.ts): two nodes, each
 * with its own tor joined through the extra torrc lines, publish their derived onions, dial each
 * other through SOCKS and exchange frames; strangers, stale and misaddressed hellos and oversized
 * frames are dropped; `legion listen` comes up and goes down cleanly. One network serves every step.
 */
import assert from "node:assert/strict";
import {
  isAlive,
  sharedTorNetwork,
  startNodeTor,
  stopSharedTorNetwork,
} from "../support/tor_network.ts";
import { initIdentity, MAIN, TEST_PASSPHRASE } from "../support/cli.ts";
import { deriveIdentity, newPhrase } from "../../src/crypto/phrase_keys.ts";
import { onionAddress } from "../../src/crypto/onion.ts";
import type { TorInstance } from "../../src/transport/tor_process.ts";
import { TorTransport } from "../../src/transport/tor_transport.ts";
import type { FramedStream } from "../../src/transport/framed_stream.ts";
import type { Listener, PeerInfo } from "../../src/transport/transport.ts";
import { dialSocks } from "../../src/transport/socks_dialer.ts";
import { socketChannel } from "../../src/transport/byte_channel.ts";
import { dialHandshake } from "../../src/transport/hello_handshake.ts";
import { StreamError } from "../../src/transport/stream_error.ts";
import { knownPeerSet } from "../../src/protocol/known_peers.ts";
import { createHello } from "../../src/protocol/hello.ts";
import { encodeFrame } from "../../src/protocol/frame.ts";
import { isUserError } from "../support/user_error.ts";

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

/** Starts `legion --json listen …` and resolves with its first stdout record once it is ready. */
async function startListen(home: string, args: string[], env: Record<string, string> = {}) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", MAIN, "--home", home, "--json", "listen", ...args],
    env: { LEGION_PASSPHRASE: TEST_PASSPHRASE, NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  while (!buffered.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value;
  }
  reader.releaseLock();
  const stop = async (signal: Deno.Signal = "SIGTERM") => {
    try {
      child.kill(signal);
    } catch { /* already gone */ }
    const status = await child.status;
    await child.stdout.cancel().catch(() => {});
    return { code: status.code, stderr: await stderr };
  };
  try {
    return { ready: JSON.parse(buffered.split("\n")[0]), stop };
  } catch {
    throw new Error(`listen printed no ready line: ${(await stop()).stderr}`);
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
      if (net.owned) pids.push(...net.pids);
      const torrcFile = `${work}/torrc-extra`;
      await Deno.writeTextFile(torrcFile, net.torrcLines);

      const [torA, torB] = await Promise.all(
        ["a", "b"].map((name) => startNodeTor(net, `${work}/${name}/tor`)),
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
        // ADD_ONION carried MaxStreams=8 with MaxStreamsCloseCircuit and the PoW defence, and this
        // tor (0.4.9, `pow` module) took them without the fallback.
        assert.equal(nodeA.pow, true, "tor accepted PoWDefensesEnabled=1");
        assert.equal(nodeB.pow, true, "tor accepted PoWDefensesEnabled=1");
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
        assert(isUserError(err, "peer_unavailable"), String(err));
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
        assert(isUserError(err, "peer_unavailable"), String(err));
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
        assert(isUserError(err, "peer_unavailable"), String(err));
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
        assert(isUserError(err, "peer_unavailable"), String(err));
      });

      await t.step(
        "legion listen publishes its onion, prints ready and stops its tor",
        async () => {
          const home = `${work}/cli-home`;
          const { onion } = await initIdentity(home, `${work}/phrase.txt`);
          const listen = await startListen(home, ["--torrc-extra", torrcFile]);
          let torPid = 0;
          try {
            assert.deepEqual(listen.ready.type, "ready");
            assert.deepEqual(listen.ready.onion, onion);
            // The PidFile Legion's torrc names (the ready event need not carry the PID).
            torPid = Number((await Deno.readTextFile(`${home}/tor/pid`)).trim());
            pids.push(torPid);
            assert(isAlive(torPid), "its tor runs while it listens");
            // The service is reachable through Tor; it knows nobody yet, so our hello is dropped.
            const err = await rejection(() => nodeA.dial(onion));
            assert(isUserError(err, "peer_unavailable"), String(err));
          } finally {
            const { code, stderr } = await listen.stop();
            assert.deepEqual(code, 0, stderr);
            assert(stderr.includes("bootstrapped 100%"), stderr);
          }
          await waitFor("its tor to exit", () => !isAlive(torPid), 10_000);
        },
      );

      await t.step(
        "legion listen attaches to a running tor, stops on SIGINT and leaves that tor running",
        async () => {
          const home = `${work}/cli-attach`;
          const { onion } = await initIdentity(home, `${work}/phrase-attach.txt`);
          const control = torB.controlAddress as { host: string; port: number };
          const listen = await startListen(home, [], {
            LEGION_TOR_CONTROL: `${control.host}:${control.port}`,
          });
          try {
            assert.deepEqual(listen.ready.type, "ready");
            assert.deepEqual(listen.ready.onion, onion);
            const err = await rejection(() => nodeA.dial(onion));
            assert(isUserError(err, "peer_unavailable"), String(err));
          } finally {
            const { code, stderr } = await listen.stop("SIGINT");
            assert.deepEqual(code, 0, stderr);
          }
          assert(isAlive(torB.pid!), "the attached tor keeps running");
          // Our own service on that tor still works.
          const stream = await nodeA.dial(nodeB.onion);
          stream.close();
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
