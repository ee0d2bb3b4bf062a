/**
 * What is readable at rest. The first test plants secrets through the store API; the second,
 * forensics after real use: three in-process nodes, each with its own home and real store files
 * (SQLite, WAL, libsignal), exchange cards, send to an online and an offline contact, send read
 * and burn receipts, burn a conversation and fail deliveries; then every file of every home is
 * scanned for anything that identifies a contact or says what was written. Only the Tor hop is
 * in memory (tests/support/messaging.ts).
 */
import { assertEquals } from "../support/assert.ts";
import { join } from "node:path";
import { runLegion, tempDir, TEST_PASSPHRASE } from "../support/cli.ts";
import { deriveIdentity, newPhrase } from "../../src/crypto/phrase_keys.ts";
import { toHex } from "../../src/crypto/hex.ts";
import { unlockStore } from "../../src/store/open_store.ts";
import { findInFiles, listFiles } from "../support/scan.ts";
import { type MessagingNode, messagingNode } from "../support/messaging.ts";
import { T0 } from "../support/signal.ts";
import { MemoryNetwork } from "../../src/transport/memory_transport.ts";
import { importCard } from "../../src/store/contacts_import.ts";
import { parseCard } from "../../src/crypto/card.ts";
import { toBase64 } from "../../src/crypto/base64.ts";
import { listOutbox } from "../../src/store/outbox.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("no planted secret appears in the DB, its -wal/-shm or any file of the data dir", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const phrase = await newPhrase();
  const restored = await runLegion(["--home", home, "init", "--restore"], { stdin: phrase });
  assertEquals(restored.code, 0, restored.stderr);
  const keys = await deriveIdentity(phrase);

  // Plant a secret key's hex and a contact-like name through the store API, as features will.
  const plantedKey = toHex(crypto.getRandomValues(new Uint8Array(32)));
  const plantedName = "Zelda Nightingale-Planted";
  const store = await unlockStore(home, TEST_PASSPHRASE, Date.now());
  try {
    store.db.exec(
      "CREATE TABLE planted (id INTEGER PRIMARY KEY, name_sealed BLOB, key_sealed BLOB)",
    );
    store.db.prepare("INSERT INTO planted (name_sealed, key_sealed) VALUES (?, ?)").run(
      store.sealer.sealText({ label: "planted.name", row: 1 }, plantedName),
      store.sealer.sealText({ label: "planted.key", row: 1 }, plantedKey),
    );
    // Read back while the WAL still holds the pages: the WAL is scanned too.
    const files = await findInFiles(home, {
      plantedKey: text(plantedKey),
      plantedName: text(plantedName),
      seed: keys.seed,
      seedHex: text(toHex(keys.seed)),
      zkSecret: keys.zkSecret,
      zkSecretHex: text(toHex(keys.zkSecret)),
      phrase: text(phrase),
      passphrase: text(TEST_PASSPHRASE),
    });
    assertEquals(files, []);
  } finally {
    store.close();
  }
});

Deno.test("the scan itself finds an unsealed plant (the test can fail)", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(join(dir.path, "leak.db-wal"), "xx Zelda Nightingale-Planted xx");
  const found = await findInFiles(dir.path, { name: text("Zelda Nightingale-Planted") });
  assertEquals(found.length, 1);
});

/** Every spelling of `bytes` a leak could take: raw, hex (both cases), base64 and base64url. */
function keySpellings(name: string, bytes: Uint8Array): Record<string, Uint8Array> {
  const b64 = toBase64(bytes);
  const url = b64.replaceAll("+", "-").replaceAll("/", "_");
  return {
    [`${name} raw`]: bytes,
    [`${name} hex`]: text(toHex(bytes)),
    [`${name} HEX`]: text(toHex(bytes).toUpperCase()),
    [`${name} base64`]: text(b64.replace(/=+$/, "")),
    [`${name} base64url`]: text(url.replace(/=+$/, "")),
  };
}

/** An onion with and without `.onion`, in lower and upper case base32. */
function onionSpellings(name: string, onion: string): Record<string, Uint8Array> {
  const bare = onion.replace(/\.onion$/, "");
  return {
    [`${name} onion`]: text(onion),
    [`${name} onion (bare)`]: text(bare),
    [`${name} ONION (bare)`]: text(bare.toUpperCase()),
    [`${name} onion (first 16)`]: text(bare.slice(0, 16)),
    [`${name} ONION (first 16)`]: text(bare.slice(0, 16).toUpperCase()),
  };
}

Deno.test("after cards, sends, receipts, burns and failed deliveries no home file holds a contact's identifier or any text", async () => {
  await using dir = await tempDir();
  const network = new MemoryNetwork();
  const clock = { now: T0 };
  const names = { alice: "Alicia Marchbanks", bob: "Bobbington Quill", carol: "Carolyn Zephyrine" };
  const local = {
    bob: "Quill from the river",
    carol: "Zephyrine next door",
    alice: "Marchbanks A.",
  };
  const homes: Record<string, string> = {};
  const nodes: Record<string, MessagingNode> = {};
  for (const who of ["alice", "bob", "carol"] as const) {
    homes[who] = join(dir.path, who);
    await Deno.mkdir(homes[who], { mode: 0o700 });
    nodes[who] = await messagingNode(network, homes[who], "legion", clock);
  }
  const { alice, bob, carol } = nodes;
  const needles: Record<string, Uint8Array> = {};
  const cards: Record<string, string> = {};
  for (const who of ["alice", "bob", "carol"] as const) {
    const card = await nodes[who].node.signal.exportCard({ name: names[who] });
    cards[who] = card;
    const parsed = parseCard(card).card;
    Object.assign(
      needles,
      onionSpellings(who, parsed.onion),
      keySpellings(`${who} ed25519`, parsed.ed25519),
      keySpellings(`${who} libsignal identity`, parsed.identityKey),
      { [`${who} card`]: text(card), [`${who} card (tail)`]: text(card.slice(-40)) },
      { [`${who} self name`]: text(names[who]), [`${who} local name`]: text(local[who]) },
    );
  }
  const now = { now: clock.now };
  await importCard(alice.node.signal, cards.bob, { ...now, name: local.bob });
  await importCard(alice.node.signal, cards.carol, { ...now, name: local.carol });
  await importCard(bob.node.signal, cards.alice, { ...now, name: local.alice });
  await importCard(carol.node.signal, cards.alice, { ...now, name: local.alice });

  const texts = [
    "the heron flies at dawn over the weir",
    "burn this: the key is under the third stone",
    "carol, the parcel waits at platform nine",
    "bob answers: the lantern is lit twice",
  ];
  for (const [i, t] of texts.entries()) needles[`text ${i}`] = text(t);

  const aliceListener = await alice.listen();
  const bobListener = await bob.listen();
  try {
    // Carol is offline: her queue fails, twice, and stays.
    await alice.messenger.sendText(local.bob, texts[0]);
    await alice.messenger.sendText(local.bob, texts[1], { burn: true });
    await alice.messenger.sendText(local.carol, texts[2]);
    await alice.deliverer.deliverDue();
    clock.now += 60_000;
    await alice.deliverer.deliverDue({ ignoreBackoff: true });
    const failed = listOutbox(alice.node.db, alice.node.sealer);
    assertEquals(failed.length, 1, "carol's message waits");
    assertEquals(failed[0].attempts, 2);
    // Bob reads (read receipt), sees the burn message (burn receipt) and answers.
    await bob.messenger.inbox({ markRead: true });
    await bob.messenger.sendText(local.alice, texts[3]);
    await bob.deliverer.deliverDue();
    assertEquals((await alice.messenger.inbox()).map((m) => m.text), [texts[3]]);
    // Alice burns the conversation with Bob; Bob burns his side and confirms.
    await alice.messenger.burn({ conversation: local.bob });
    await alice.deliverer.deliverDue();
    await bob.deliverer.deliverDue();
    assertEquals((await bob.messenger.inbox({ includeSent: true })).length, 0);
  } finally {
    await aliceListener.close();
    await bobListener.close();
  }

  const scan = async (when: string) => {
    for (const [who, home] of Object.entries(homes)) {
      const files = await listFiles(home);
      // The scan covers the database and its WAL while they hold fresh pages.
      if (when === "open") assertEquals(files.some((f) => f.endsWith("-wal")), true, who);
      assertEquals(await findInFiles(home, needles), [], `${who}'s home (${when})`);
    }
  };
  await scan("open");
  for (const node of Object.values(nodes)) node.node.close();
  await scan("closed");
});
