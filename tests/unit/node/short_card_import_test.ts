/** `card import` of a short form: the full card is fetched from the peer and checked against it. */
import assert from "node:assert/strict";
import { MemoryNetwork } from "../../../src/transport/memory_transport.ts";
import { knownPeerSet } from "../../../src/protocol/known_peers.ts";
import { encodeShortCard } from "../../../src/crypto/card_short.ts";
import { isCardError } from "../../../src/crypto/card_error.ts";
import { importShortCard } from "../../../src/node/short_card_import.ts";
import { toLegionError } from "../../../src/cli/error_map.ts";
import { newNode } from "../../support/signal.ts";
import { sodium } from "../../../src/crypto/sodium.ts";

/** A transport identity for the importer (any key: it never says hello). */
async function strangerKey() {
  const na = await sodium();
  const seed = new Uint8Array(32).fill(9);
  const { publicKey, privateKey } = na.crypto_sign_seed_keypair(seed);
  privateKey.fill(0);
  return { seed, publicKey };
}

async function scene(serve: (bobCard: string, other: string) => string) {
  const dir = await Deno.makeTempDir();
  const alice = await newNode(dir, "alice");
  const bob = await newNode(dir, "bob");
  const bobCard = await bob.signal.exportCard({ name: "bob" });
  const other = await bob.signal.exportCard({ name: "bobby", validityMs: 86_400_000 });
  const network = new MemoryNetwork();
  // Bob listens under his own key; he does not know alice (she is a stranger to him).
  const bobTransport = network.transport({
    identity: { seed: new Uint8Array(32), publicKey: bob.signal.ownEd25519 },
    knownPeers: knownPeerSet([]),
    cards: () => serve(bobCard, other),
  });
  const listener = await bobTransport.listen(() => {});
  const aliceTransport = network.transport({
    identity: await strangerKey(),
    knownPeers: knownPeerSet([]),
  });
  const short = encodeShortCard(bob.signal.ownEd25519, bobCard);
  return {
    alice,
    bob,
    short,
    bobCard,
    run: () =>
      importShortCard(
        alice.signal,
        short,
        (onion, hash) => aliceTransport.fetchCard(onion, hash),
        { now: alice.clock.now },
      ),
    async [Symbol.asyncDispose]() {
      await listener.close();
      alice.close();
      bob.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("short card import: fetches the full card from the onion and imports it", async () => {
  await using s = await scene((card) => card);
  const result = await s.run();
  assert.equal(result.status, "added");
  assert.equal(result.contact.name, "bob");
  assert.deepEqual(result.contact.card.ed25519, s.bob.signal.ownEd25519);
  assert.equal(result.contact.cardText, s.bobCard);
});

Deno.test("short card import: a peer sending another card is refused (65)", async () => {
  // A valid card of the same key, but not the one the QR code names.
  await using s = await scene((_card, other) => other);
  await assert.rejects(
    s.run(),
    (err) => isCardError(err, "card_mismatch") && toLegionError(err)?.exitCode === 65,
  );
  assert.equal(s.alice.signal.contacts.list().length, 0);
});
