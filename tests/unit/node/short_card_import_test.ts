/** `card import` of a short form: the full card is fetched from the peer and checked against it. */
import assert from "node:assert/strict";
import { MemoryNetwork } from "../../../src/transport/memory_transport.ts";
import { knownPeerSet } from "../../../src/protocol/known_peers.ts";
import { encodeShortCard } from "../../../src/crypto/card_short.ts";
import { canonicalJson, type JsonValue } from "../../../src/crypto/canonical_json.ts";
import { isReasonError } from "../../../src/errors.ts";
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

/** Alice imports `short` with a fetcher that answers `text` whatever is asked. */
async function importWith(
  short: (bob: string, bobKey: Uint8Array) => string,
  text: (bob: string) => string,
) {
  const dir = await Deno.makeTempDir();
  const alice = await newNode(dir, "alice");
  const bob = await newNode(dir, "bob");
  const bobCard = await bob.signal.exportCard({ name: "bob" });
  try {
    return {
      alice,
      bob,
      outcome: await importShortCard(
        alice.signal,
        short(bobCard, bob.signal.ownEd25519),
        () => Promise.resolve(text(bobCard)),
        { now: alice.clock.now },
      ).then(() => undefined, (err: unknown) => err),
      contacts: alice.signal.contacts.list().length,
    };
  } finally {
    alice.close();
    bob.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function assertMismatch(result: { outcome: unknown; contacts: number }, what: RegExp) {
  const err = result.outcome;
  assert.ok(isCardError(err, "card_mismatch"), String(err));
  assert.match((err as Error).message, what);
  const user = toLegionError(err);
  assert.equal(user?.code, "card_mismatch");
  assert.equal(user?.exitCode, 65);
  assert.ok(user?.hint);
  assert.equal(result.contacts, 0, "nothing imported");
}

Deno.test("short card import: a fetched card cut short does not hash to the name (card_mismatch)", async () => {
  const result = await importWith(
    (card, key) => encodeShortCard(key, card),
    (card) => card.slice(0, card.length - 40),
  );
  assertMismatch(result, /different card than the QR code names/);
});

Deno.test("short card import: the hash of Bob's card under another key is refused (card_mismatch)", async () => {
  // The short form pairs a stranger's key (its onion) with the hash of Bob's real card; the
  // stranger's onion answers with Bob's card: its hash matches, its key does not.
  const result = await importWith(
    (card) => encodeShortCard(new Uint8Array(32).fill(3), card),
    (card) => card,
  );
  assertMismatch(result, /card's key is not the one/);
});

Deno.test("short card import: a card naming another onion than its key is refused (card_mismatch)", async () => {
  let forged = "";
  const result = await importWith(
    (card, key) => {
      const value = JSON.parse(card) as Record<string, JsonValue>;
      value.onion = `${"a".repeat(56)}.onion`;
      forged = canonicalJson(value);
      return encodeShortCard(key, forged);
    },
    () => forged,
  );
  assertMismatch(result, /onion address is not the one/);
});

Deno.test("short card import: a truncated short form is refused before any fetch (65)", async () => {
  let asked = false;
  const dir = await Deno.makeTempDir();
  const alice = await newNode(dir, "alice");
  try {
    const short = encodeShortCard(new Uint8Array(32).fill(5), "card");
    for (const bad of [short.slice(0, -1), short.slice(0, 60), short + "AB"]) {
      await assert.rejects(
        importShortCard(alice.signal, bad, () => {
          asked = true;
          return Promise.resolve("");
        }, { now: alice.clock.now }),
        (err) => isCardError(err, "bad_short_form") && toLegionError(err)?.exitCode === 65,
      );
    }
    assert.equal(asked, false);
  } finally {
    alice.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("short card import: served from what Bob exported; an unknown hash gets nothing (69, hint)", async () => {
  // Bob's transport answers from his store of exported cards, as a node's does.
  await using s = await scene((card) => card);
  const served = await exportedScene(s);
  const never = encodeShortCard(s.bob.signal.ownEd25519, s.bobCard + "x");
  await assert.rejects(served.run(never), (err) => {
    assert.ok(isReasonError(err) && err.name === "TransportError", String(err));
    const user = toLegionError(err);
    assert.equal(user?.exitCode, 69);
    assert.match(user!.message, /Cannot fetch the card from [a-z2-7]{56}\.onion/);
    assert.ok(user?.hint);
    return true;
  });
  assert.equal(s.alice.signal.contacts.list().length, 0);
  const result = await served.run(s.short);
  assert.equal(result.status, "added");
  assert.equal(result.contact.cardText, s.bobCard);
  await served.close();
});

/** Bob listening on a fresh network with `cards` backed by his exported-card store. */
async function exportedScene(s: Awaited<ReturnType<typeof scene>>) {
  const network = new MemoryNetwork();
  const listener = await network.transport({
    identity: { seed: new Uint8Array(32), publicKey: s.bob.signal.ownEd25519 },
    knownPeers: knownPeerSet([]),
    cards: (hash) => s.bob.signal.exportedCard(hash),
  }).listen(() => {});
  const alice = network.transport({ identity: await strangerKey(), knownPeers: knownPeerSet([]) });
  return {
    run: (short: string) =>
      importShortCard(s.alice.signal, short, (o, h) => alice.fetchCard(o, h), {
        now: s.alice.clock.now,
      }),
    close: () => listener.close(),
  };
}

Deno.test("short card import: an onion nobody answers is 69, with a hint to run the node", async () => {
  await using s = await scene((card) => card);
  const nobody = new MemoryNetwork().transport({
    identity: await strangerKey(),
    knownPeers: knownPeerSet([]),
  });
  await assert.rejects(
    importShortCard(s.alice.signal, s.short, (o, h) => nobody.fetchCard(o, h), {
      now: s.alice.clock.now,
    }),
    (err) => {
      const user = toLegionError(err);
      assert.equal(user?.code, "peer_unavailable");
      assert.equal(user?.exitCode, 69);
      assert.match(user!.hint!, /legion listen/);
      return true;
    },
  );
  assert.equal(s.alice.signal.contacts.list().length, 0);
});
