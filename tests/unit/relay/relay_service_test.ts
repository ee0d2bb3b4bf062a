/**
 * The relay end to end over a loopback stream (no tor): a real sealed relay home, real SQLite, real
 * Semaphore proofs (a few, made once and reused), the real wire and client. Each refusal reason,
 * fetch + ack, expiry, unlinkability, and a scan of the relay's files for depositor commitments.
 */
import { connect } from "node:net";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import "../../support/zk.ts";
import { assert, assertEquals, assertNotEquals, assertRejects } from "../../support/assert.ts";
import { findInFiles } from "../../support/scan.ts";
import { sodium } from "../../../src/crypto/sodium.ts";
import { socketChannel } from "../../../src/transport/byte_channel.ts";
import {
  bigIntToBytes32,
  createProver,
  packProof,
  zkIdentity,
  type ZkProof,
} from "../../../src/zk/mod.ts";
import { encodeRequest, type RelayReply } from "../../../src/protocol/relay_wire.ts";
import { EXPIRY_GRANULARITY_MS } from "../../../src/relay/relay_service.ts";
import {
  admitMembers,
  createRelayHome,
  readRelayGroup,
  revokeMember,
  unlockRelay,
} from "../../../src/relay/relay_home.ts";
import { epochAt, parseRules } from "../../../src/relay/relay_rules.ts";
import { startRelay } from "../../../src/relay/relay_runtime.ts";
import { relayTotals } from "../../../src/relay/relay_store.ts";
import {
  ackItems,
  depositReply,
  fetchItems,
  openMailbox,
  type OwnerKey,
  proveDeposit,
  type RelayEndpoint,
  RelayRefusedError,
  relayRequest,
} from "../../../src/relay/relay_client.ts";

const na = await sodium();
const PASSPHRASE = "relay test passphrase";
const rules = parseRules({
  slotsPerEpoch: 2,
  epochSeconds: 3600,
  maxEnvelopeBytes: 4096,
  ttlSeconds: 3600,
  mailboxItems: 2,
});

function ownerKey(): OwnerKey {
  const seed = na.randombytes_buf(32);
  const { publicKey, privateKey } = na.crypto_sign_seed_keypair(seed);
  privateKey.fill(0);
  return { seed, publicKey };
}

const envelope = (n: number) => new TextEncoder().encode(`sealed envelope #${n} `.repeat(8));

Deno.test({
  name:
    "the relay admits proven deposits once, refuses each abuse for its own reason, and keeps no depositor",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "legion-relay-" });
    let clock = Date.now();
    const now = () => clock;
    const { onion } = await createRelayHome(home, { passphrase: PASSPHRASE, rules });
    const alice = zkIdentity(na.randombytes_buf(32));
    const bob = zkIdentity(na.randombytes_buf(32));
    const carol = zkIdentity(na.randombytes_buf(32)); // never admitted
    await admitMembers(home, [alice.commitment, bob.commitment], clock);
    const group = await readRelayGroup(home);
    const relay = await unlockRelay(home, PASSPHRASE);
    assertEquals(relay.identity.onion, onion);
    const running = await startRelay(relay, { home, now, reloadMs: 50 });
    const endpoint: RelayEndpoint = {
      publicKey: relay.identity.publicKey,
      connect: () =>
        new Promise((resolve, reject) => {
          const socket = connect(running.listener.port, "127.0.0.1", () =>
            resolve(socketChannel(socket)));
          socket.once("error", reject);
        }),
    };
    const owner = ownerKey();
    const box = await openMailbox(endpoint, owner);
    assertNotEquals([...box.fetchId], [...box.depositId]);
    const otherBox = await openMailbox(endpoint, ownerKey());

    const epoch = epochAt(rules, clock);
    const prover = createProver();
    const prove = (
      who: typeof alice,
      g = group,
      target: Partial<{ onion: string; epoch: number; slot: number; n: number }> = {},
    ) =>
      proveDeposit(prover, who, g, {
        onion: target.onion ?? onion,
        epoch: target.epoch ?? epoch,
        slot: target.slot ?? 0,
        envelope: envelope(target.n ?? 0),
      });
    // Proofs, made once (≈1–2 s each).
    const a0 = await prove(alice, group, { slot: 0, n: 0 });
    const a1 = await prove(alice, group, { slot: 1, n: 1 });
    const a2 = await prove(alice, group, { slot: 2, n: 2 }); // the (k+1)-th, k = 2
    const aOtherRelay = await prove(alice, group, { onion: "elsewhere.onion", n: 3 });
    const aOldEpoch = await prove(alice, group, { epoch: epoch - 3, n: 4 });
    const b0 = await prove(bob, group, { slot: 0, n: 5 });
    const b1 = await prove(bob, group, { slot: 1, n: 6 });
    const carolGroup = await readRelayGroup(home);
    carolGroup.add([carol.commitment], clock);
    const c0 = await prove(carol, carolGroup, { n: 7 });
    await prover.close();

    const send = (
      proof: ZkProof | Uint8Array,
      options: {
        depositId?: Uint8Array;
        n?: number;
        epoch?: number;
        slot?: number;
        envelope?: Uint8Array;
      } = {},
    ): Promise<RelayReply> =>
      relayRequest(endpoint, () =>
        encodeRequest({
          kind: "deposit",
          depositId: options.depositId ?? box.depositId,
          epoch: options.epoch ?? epoch,
          slot: options.slot ?? 0,
          proof: proof instanceof Uint8Array ? proof : packProof(proof),
          envelope: options.envelope ?? envelope(options.n ?? 0),
        }));
    const refusal = (reply: RelayReply) => reply.ok ? "ok" : reply.refusal;

    // Two deposits by one member in one epoch: accepted, with different nullifiers.
    assertEquals(refusal(await send(a0, { n: 0, slot: 0 })), "ok");
    assertEquals(
      refusal(
        await depositReply(endpoint, {
          depositId: box.depositId,
          epoch,
          slot: 1,
          proof: a1,
          envelope: envelope(1),
        }),
      ),
      "ok",
    );
    assertNotEquals(a0.nullifier, a1.nullifier);

    // Each refusal, for its own reason.
    assertEquals(
      refusal(await send(a0, { depositId: otherBox.depositId, n: 0 })),
      "nullifier_spent",
    );
    assertEquals(
      refusal(await send(a2, { depositId: otherBox.depositId, n: 2, slot: 2 })),
      "bad_slot",
    );
    assertEquals(
      refusal(await send(a2, { depositId: otherBox.depositId, n: 2, slot: 0 })),
      "wrong_scope",
    );
    assertEquals(
      refusal(await send(aOtherRelay, { depositId: otherBox.depositId, n: 3 })),
      "wrong_scope",
    );
    assertEquals(
      refusal(await send(aOldEpoch, { depositId: otherBox.depositId, n: 4, epoch: epoch - 3 })),
      "wrong_epoch",
    );
    assertEquals(
      refusal(await send(b0, { depositId: otherBox.depositId, n: 99 })),
      "wrong_message",
    );
    assertEquals(refusal(await send(c0, { depositId: otherBox.depositId, n: 7 })), "unknown_root");
    assertEquals(
      refusal(await send(new Uint8Array(385), { depositId: otherBox.depositId })),
      "malformed",
    );
    const tampered = packProof(b0);
    tampered[tampered.length - 1] ^= 1;
    assertEquals(
      refusal(await send(tampered, { depositId: otherBox.depositId, n: 5 })),
      "invalid_proof",
    );
    assertEquals(
      refusal(await send(b0, { depositId: otherBox.depositId, envelope: new Uint8Array(4097) })),
      "oversized",
    );
    assertEquals(
      refusal(await send(b0, { depositId: new Uint8Array(randomBytes(16)), n: 5 })),
      "unknown_mailbox",
    );
    assertEquals(refusal(await send(b0, { n: 5 })), "mailbox_full"); // box holds mailboxItems = 2
    // The tampered copy did not spend b0's nullifier: the genuine proof still goes in.
    assertEquals(refusal(await send(b0, { depositId: otherBox.depositId, n: 5 })), "ok");

    // A root replaced by an addition longer ago than the window (1 h by default) is stale.
    const dave = zkIdentity(na.randombytes_buf(32));
    await admitMembers(home, [dave.commitment], clock - 2 * 3600_000);
    await waitFor(() => running.group().activeSize === 3);
    assertEquals(refusal(await send(a0, { depositId: otherBox.depositId, n: 0 })), "stale_root");
    // A revoked member: a removal drops every older root at once.
    await revokeMember(home, bob.commitment, clock);
    await waitFor(() => running.group().activeSize === 2);
    assertEquals(
      refusal(await send(b1, { depositId: otherBox.depositId, n: 6, slot: 1 })),
      "unknown_root",
    );

    // Fetch needs the owner's key; fetch + ack deletes.
    const thief = ownerKey();
    const stolen = await assertRejects(() => fetchItems(endpoint, thief, box.fetchId));
    assert(stolen instanceof RelayRefusedError && stolen.reason === "unauthorized", String(stolen));
    const items = await fetchItems(endpoint, owner, box.fetchId);
    assertEquals(
      items.map((i) => new TextDecoder().decode(i.envelope)),
      [0, 1].map((n) => new TextDecoder().decode(envelope(n))),
    );
    assertEquals(await ackItems(endpoint, owner, box.fetchId, items.map((i) => i.itemId)), 2);
    assertEquals((await fetchItems(endpoint, owner, box.fetchId)).length, 0);
    assertEquals(relay.store.mailboxUse(box.depositId), { items: 0, bytes: 0 });

    // Expiry: the other mailbox's item is gone once its TTL (kept to the next hour: the relay
    // does not date deposits) has passed — and not before.
    assertEquals(relayTotals(relay.store.db).items, 1);
    const expires = (relay.store.db.prepare("SELECT expires_at FROM item").get() as {
      expires_at: number;
    }).expires_at;
    assertEquals(expires % EXPIRY_GRANULARITY_MS, 0);
    assert(expires >= clock + rules.ttlSeconds * 1000);
    assertEquals((await relay.store.sweep(expires - 1)).items, 0);
    clock = expires;
    assertEquals((await relay.store.sweep(clock)).items, 1);
    assertEquals(relayTotals(relay.store.db).items, 0);
    assertEquals(relay.store.mailboxUse(otherBox.depositId), { items: 0, bytes: 0 });

    await running.close();
    const totals = relayTotals(relay.store.db);
    assertEquals(totals.refused, {
      "deposit.bad_slot": 1,
      "deposit.invalid_proof": 1,
      "deposit.mailbox_full": 1,
      "deposit.malformed": 1,
      "deposit.nullifier_spent": 1,
      "deposit.oversized": 1,
      "deposit.stale_root": 1,
      "deposit.unknown_mailbox": 1,
      "deposit.unknown_root": 2,
      "deposit.wrong_epoch": 1,
      "deposit.wrong_message": 1,
      "deposit.wrong_scope": 2,
      "fetch.unauthorized": 1,
    });
    relay.close();

    // No depositor's commitment (decimal, or 32 bytes big-endian) in the relay's database files.
    const needles: Record<string, Uint8Array> = {};
    for (const [name, id] of Object.entries({ alice, bob })) {
      needles[`${name} decimal`] = new TextEncoder().encode(id.commitment.toString());
      needles[`${name} bytes`] = bigIntToBytes32(id.commitment);
    }
    const dbFiles = await findInFiles(home, needles);
    assertEquals(dbFiles.filter((f) => !f.startsWith(join(home, "members.json"))), []);
    await Deno.remove(home, { recursive: true });
  },
});

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  assert(check(), "condition not reached");
}
