/** The cards a node exported: kept sealed, found by hash while valid, bounded. */
import assert from "node:assert/strict";
import { cardHash } from "../../../src/crypto/card_short.ts";
import { MAX_EXPORTED_CARDS } from "../../../src/store/exported_cards.ts";
import { newNode } from "../../support/signal.ts";

const DAY_MS = 86_400_000;

async function node() {
  const dir = await Deno.makeTempDir();
  const bob = await newNode(dir, "bob");
  return {
    bob,
    async [Symbol.asyncDispose]() {
      bob.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("exported cards: every export is found by its hash, nothing else is", async () => {
  await using n = await node();
  const { bob } = n;
  const first = await bob.signal.exportCard({ name: "bob" });
  const second = await bob.signal.exportCard({ validityMs: 2 * DAY_MS });
  assert.equal(bob.signal.exportedCard(cardHash(first)), first);
  assert.equal(bob.signal.exportedCard(cardHash(second)), second);
  assert.equal(bob.signal.exportedCard(cardHash(first + " ")), undefined);
  assert.equal(bob.signal.exportedCard(new Uint8Array(32)), undefined);
  assert.equal(bob.signal.exportedCard(cardHash(first).slice(0, 31)), undefined);
});

Deno.test("exported cards: sealed at rest, under a keyed tag (neither card nor hash in clear)", async () => {
  await using n = await node();
  const { bob } = n;
  const text = await bob.signal.exportCard({ name: "bobthebuilder" });
  const rows = bob.db.prepare("SELECT hash_tag, card_sealed FROM exported_cards").all() as {
    hash_tag: Uint8Array;
    card_sealed: Uint8Array;
  }[];
  assert.equal(rows.length, 1);
  assert.notDeepEqual(new Uint8Array(rows[0].hash_tag), cardHash(text));
  const sealed = new TextDecoder("latin1").decode(rows[0].card_sealed);
  assert.ok(!sealed.includes("bobthebuilder"));
  assert.ok(!sealed.includes(bob.signal.onion.slice(0, 20)));
});

Deno.test("exported cards: an expired card is no longer served, and is deleted", async () => {
  await using n = await node();
  const { bob } = n;
  const short = await bob.signal.exportCard({ validityMs: DAY_MS });
  bob.clock.now += DAY_MS - 1;
  assert.equal(bob.signal.exportedCard(cardHash(short)), short);
  bob.clock.now += 1;
  assert.equal(bob.signal.exportedCard(cardHash(short)), undefined);
  await bob.signal.exportCard({});
  const count = bob.db.prepare("SELECT count(*) AS n FROM exported_cards").get() as { n: number };
  assert.equal(count.n, 1);
});

Deno.test("exported cards: at most MAX_EXPORTED_CARDS, the newest kept", async () => {
  await using n = await node();
  const { bob } = n;
  const texts: string[] = [];
  for (let i = 0; i < MAX_EXPORTED_CARDS + 2; i++) {
    texts.push(await bob.signal.exportCard({ name: `bob${i}` }));
  }
  const count = bob.db.prepare("SELECT count(*) AS n FROM exported_cards").get() as { n: number };
  assert.equal(count.n, MAX_EXPORTED_CARDS);
  assert.equal(bob.signal.exportedCard(cardHash(texts[0])), undefined);
  assert.equal(bob.signal.exportedCard(cardHash(texts[1])), undefined);
  assert.equal(bob.signal.exportedCard(cardHash(texts[2])), texts[2]);
  assert.equal(bob.signal.exportedCard(cardHash(texts.at(-1)!)), texts.at(-1));
});
