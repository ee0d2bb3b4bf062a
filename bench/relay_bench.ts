/**
 * `deno task bench:relay`: deposits against one relay (real sealed store, real SQLite, real proofs).
 *
 *   verified deposits/s  every deposit passes every check, the pairing and the durable store write
 *   refused junk/s       garbage deposits refused by the cheap checks (no pairing check)
 *
 * Both in-process (RelayService.handle, no sockets) and over loopback streams (the real server and
 * client: challenge, frame, reply; `--concurrency` streams at once). Proving takes ≈1–2 s each, so
 * `--proofs N` distinct proofs (one member, N slots of one epoch) are made once and deposited
 * `--deposits` times in all: between rounds the nullifier table is cleared, so every deposit is a
 * fresh one to the relay and does exactly the work a new proof would (no caching anywhere).
 *
 *   deno run -A bench/relay_bench.ts [--proofs 40] [--deposits 1000] [--junk 5000] [--concurrency 4]
 */
import { connect } from "node:net";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { sodium } from "../src/crypto/sodium.ts";
import { socketChannel } from "../src/transport/byte_channel.ts";
import { encodeRequest } from "../src/protocol/relay_wire.ts";
import { createProver, packProof, zkIdentity, type ZkProof, ZkVerifier } from "../src/zk/mod.ts";
import {
  admitMembers,
  createRelayHome,
  readRelayGroup,
  unlockRelay,
} from "../src/relay/relay_home.ts";
import { epochAt, parseRules } from "../src/relay/relay_rules.ts";
import { startRelay } from "../src/relay/relay_runtime.ts";
import {
  openMailbox,
  proveDeposit,
  type RelayEndpoint,
  relayRequest,
} from "../src/relay/relay_client.ts";

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      proofs: { type: "string", default: "40" },
      deposits: { type: "string", default: "1000" },
      junk: { type: "string", default: "5000" },
      concurrency: { type: "string", default: "4" },
    },
  });
  const PROOFS = Number(values.proofs);
  const DEPOSITS = Number(values.deposits);
  const JUNK = Number(values.junk);
  const CONCURRENCY = Number(values.concurrency);
  const na = await sodium();
  const home = await Deno.makeTempDir({ prefix: "legion-relay-bench-" });
  const rules = parseRules({
    slotsPerEpoch: PROOFS,
    epochSeconds: 86_400,
    maxEnvelopeBytes: 16 * 1024,
    mailboxItems: 1_000_000,
    mailboxBytes: 2 ** 40,
  });
  const { onion } = await createRelayHome(home, { passphrase: "relay bench passphrase", rules });
  const member = zkIdentity(na.randombytes_buf(32));
  const others = Array.from({ length: 99 }, () => zkIdentity(na.randombytes_buf(32)).commitment);
  await admitMembers(home, [member.commitment, ...others], Date.now());
  const group = await readRelayGroup(home);
  const relay = await unlockRelay(home, "relay bench passphrase");
  const running = await startRelay(relay, { home });
  const endpoint: RelayEndpoint = {
    publicKey: relay.identity.publicKey,
    connect: () =>
      new Promise((resolve, reject) => {
        const socket = connect(running.listener.port, "127.0.0.1", () =>
          resolve(socketChannel(socket)));
        socket.once("error", reject);
      }),
  };
  const owner = (() => {
    const seed = na.randombytes_buf(32);
    return { seed, publicKey: na.crypto_sign_seed_keypair(seed).publicKey };
  })();
  const box = await openMailbox(endpoint, owner);
  const epoch = epochAt(rules, Date.now());
  // A typical sealed envelope: 2 KiB.
  const envelope = (slot: number) => {
    const bytes = new Uint8Array(2048);
    new DataView(bytes.buffer).setUint32(0, slot);
    return bytes;
  };

  console.error(`relay bench: proving ${PROOFS} deposits (100-member group)…`);
  const prover = createProver();
  const proofs: ZkProof[] = [];
  const proveStarted = performance.now();
  for (let slot = 0; slot < PROOFS; slot++) {
    proofs.push(
      await proveDeposit(prover, member, group, { onion, epoch, slot, envelope: envelope(slot) }),
    );
  }
  const proveSeconds = (performance.now() - proveStarted) / 1000 / PROOFS;
  await prover.close();
  const deposits = proofs.map((proof, slot) =>
    encodeRequest({
      kind: "deposit",
      depositId: box.depositId,
      epoch,
      slot,
      proof: packProof(proof),
      envelope: envelope(slot),
    })
  );
  const clearNullifiers = () =>
    relay.store.writer.write(() => relay.store.db.exec("DELETE FROM nullifier"));
  const clearItems = () =>
    relay.store.writer.write(() =>
      relay.store.db.exec("DELETE FROM item; UPDATE mailbox SET items = 0, bytes = 0")
    );
  const challenge = new Uint8Array(32);

  // Warm-up: one round (the verifier's tables, SQLite's caches, the JIT).
  for (const message of deposits) await running.service.handle(message, challenge);
  await clearNullifiers();

  // The pairing alone (warm verifier, no store), for comparison.
  const bare = new ZkVerifier({ group: running.group(), warm: true });
  for (const proof of proofs) bare.verify(proof);
  let started = performance.now();
  for (let i = 0; i < DEPOSITS; i++) bare.verify(proofs[i % PROOFS]);
  const pairingOnly = DEPOSITS / ((performance.now() - started) / 1000);

  // Verified deposits, in-process.
  let ok = 0;
  started = performance.now();
  for (let i = 0; i < DEPOSITS; i++) {
    if (i > 0 && i % PROOFS === 0) await clearNullifiers();
    const { refusal } = await running.service.handle(deposits[i % PROOFS], challenge);
    if (refusal === undefined) ok++;
  }
  const inProcess = ok / ((performance.now() - started) / 1000);
  if (ok !== DEPOSITS) throw new Error(`only ${ok} of ${DEPOSITS} deposits were accepted`);
  await clearNullifiers();
  await clearItems();

  // Verified deposits over loopback streams (challenge + request + reply each).
  ok = 0;
  started = performance.now();
  for (let round = 0; round * PROOFS < DEPOSITS; round++) {
    const batch = deposits.slice(0, Math.min(PROOFS, DEPOSITS - round * PROOFS));
    ok += await pool(batch, CONCURRENCY, async (message) => {
      const reply = await relayRequest(endpoint, () => message);
      return reply.ok ? 1 : 0;
    });
    await clearNullifiers();
  }
  const overStreams = ok / ((performance.now() - started) / 1000);
  if (ok !== DEPOSITS) throw new Error(`only ${ok} of ${DEPOSITS} stream deposits were accepted`);
  await clearItems();

  // Junk: random proofs (unknown root), random bytes (malformed), unknown mailboxes, oversized.
  const junk = Array.from({ length: 64 }, (_, i) => {
    const proof = na.randombytes_buf(385);
    proof[0] = 20;
    for (let w = 0; w < 12; w++) proof[1 + 32 * w] &= 0x0f; // in range: reaches the root check
    switch (i % 4) {
      case 0:
        return encodeRequest({
          kind: "deposit",
          depositId: box.depositId,
          epoch,
          slot: 0,
          proof,
          envelope: envelope(0),
        });
      case 1:
        return na.randombytes_buf(600);
      case 2:
        return encodeRequest({
          kind: "deposit",
          depositId: na.randombytes_buf(16),
          epoch,
          slot: 0,
          proof,
          envelope: envelope(0),
        });
      default:
        return encodeRequest({
          kind: "deposit",
          depositId: box.depositId,
          epoch,
          slot: 0,
          proof,
          envelope: new Uint8Array(16 * 1024 + 1),
        });
    }
  });
  const pairingsBefore = running.service.deposits;
  started = performance.now();
  for (let i = 0; i < JUNK; i++) {
    const { refusal } = await running.service.handle(junk[i % junk.length], challenge);
    if (refusal === undefined) throw new Error("junk was accepted");
  }
  const junkInProcess = JUNK / ((performance.now() - started) / 1000);
  const junkStreamsCount = Math.min(JUNK, 2000);
  started = performance.now();
  await pool(
    junk.concat(...Array(Math.ceil(junkStreamsCount / junk.length) - 1).fill(junk)).slice(
      0,
      junkStreamsCount,
    ),
    CONCURRENCY,
    async (message) => {
      const reply = await relayRequest(endpoint, () => message);
      if (reply.ok) throw new Error("junk was accepted");
      return 1;
    },
  );
  const junkStreams = junkStreamsCount / ((performance.now() - started) / 1000);
  if (running.service.deposits !== pairingsBefore) throw new Error("junk reached the store");

  await running.close();
  relay.close();
  await Deno.remove(home, { recursive: true });

  const rows = [
    ["prove one deposit (in-process, for reference)", `${proveSeconds.toFixed(2)} s`, ""],
    [`warm verifier alone, proofs/s (no relay checks, no store)`, pairingOnly.toFixed(0), ""],
    [`verified deposits/s, in-process (${DEPOSITS})`, inProcess.toFixed(0), "≥ 40"],
    [
      `verified deposits/s, loopback streams ×${CONCURRENCY} (${DEPOSITS})`,
      overStreams.toFixed(0),
      "≥ 40",
    ],
    [`refused junk/s, in-process (${JUNK})`, junkInProcess.toFixed(0), "≥ 1,000"],
    [
      `refused junk/s, loopback streams ×${CONCURRENCY} (${junkStreamsCount})`,
      junkStreams.toFixed(0),
      "≥ 1,000",
    ],
  ];
  console.log(`| step | figure | target |\n| --- | --- | --- |`);
  for (const row of rows) console.log(`| ${row.join(" | ")} |`);
  console.log(`\nload average during the run: ${loadavg().map((n) => n.toFixed(1)).join(" ")}`);
}

/** Runs `fn` over `items` with at most `width` at once; sums the results. */
async function pool<T>(
  items: T[],
  width: number,
  fn: (item: T) => Promise<number>,
): Promise<number> {
  let next = 0;
  let total = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const result = await fn(items[next++]);
      total += result; // not `total += await …`: that reads `total` before the await
    }
  }));
  return total;
}

// A `deno run` script: `deno bench bench/` (where import.meta.main is false) skips it.
if (import.meta.main) await main();
