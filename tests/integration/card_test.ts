/**
 * `legion card` and `legion contacts` through the real CLI: each call is a new process on the
 * same data dirs (so everything here also proves the stores survive restarts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { initIdentity, runLegion, tempDir } from "../support/cli.ts";
import { CARD_VECTORS } from "../support/card_vectors.ts";
import { encodeCard, parseCard } from "../../src/crypto/card.ts";
import { deriveIdentity } from "../../src/crypto/phrase_keys.ts";
import { onionAddress } from "../../src/crypto/onion.ts";

const PLANTED = "PlantedCliName-51e0";

Deno.test("two people exchange cards, verify safety numbers, survive a key change", async (t) => {
  await using tmp = await tempDir();
  const homeA = join(tmp.path, "a");
  const homeB = join(tmp.path, "b");
  const [a, b] = await Promise.all([
    initIdentity(homeA, join(tmp.path, "a.phrase")),
    initIdentity(homeB, join(tmp.path, "b.phrase")),
  ]);
  const A = (...args: string[]) => ["--home", homeA, ...args];
  const B = (...args: string[]) => ["--home", homeB, ...args];
  const cardB = join(tmp.path, "b.card");
  let aliceCard = "";

  await t.step("card export writes stdout or a file", async () => {
    const [toStdout, toFile] = await Promise.all([
      runLegion(A("card", "export", "--name", "alice")),
      runLegion(B("card", "export", "--name", "bob", "-o", cardB)),
    ]);
    assert.equal(toStdout.code, 0, toStdout.stderr);
    assert.equal(toFile.code, 0, toFile.stderr);
    aliceCard = toStdout.stdout;
    assert.equal(aliceCard.split("\n").length, 2); // one line
    assert.equal(JSON.parse(aliceCard).onion, a.onion);
    assert.equal(JSON.parse(await Deno.readTextFile(cardB)).onion, b.onion);
  });

  await t.step("card import from stdin and from a file", async () => {
    const [intoB, intoA] = await Promise.all([
      runLegion(B("card", "import", "-", "--name", PLANTED), { stdin: aliceCard }),
      runLegion(A("card", "import", cardB)),
    ]);
    assert.equal(intoB.code, 0, intoB.stderr);
    assert.match(intoB.stdout, new RegExp(`^added contact ${PLANTED} \\(${a.onion}\\)`));
    assert.equal(intoA.code, 0, intoA.stderr);
    assert.match(intoA.stdout, /^added contact bob/);
  });

  await t.step(
    "safety numbers match on both sides; --mark-verified shows in list --json",
    async () => {
      const [fromA, fromB] = await Promise.all([
        runLegion(A("--json", "contacts", "verify", "bob", "--mark-verified")),
        runLegion(B("--json", "contacts", "verify", PLANTED)),
      ]);
      const sa = JSON.parse(fromA.stdout);
      const sb = JSON.parse(fromB.stdout);
      assert.match(sa.safetyNumber, /^\d{60}$/);
      assert.equal(sa.safetyNumber, sb.safetyNumber);
      assert.equal(sa.verified, true);
      assert.equal(sb.verified, false);
      const list = await runLegion(A("--json", "contacts", "list"));
      const rows = list.stdout.trim().split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(rows.map((r) => [r.type, r.name, r.onion, r.verified]), [
        ["contact", "bob", b.onion, true],
      ]);
    },
  );

  await t.step("refusals: own card, tampered card — each its own message, exit 65", async () => {
    const tampered = aliceCard.replace('"name":"alice"', '"name":"alicf"');
    assert.notEqual(tampered, aliceCard);
    const [own, bad, garbage] = await Promise.all([
      runLegion(A("card", "import", "-"), { stdin: aliceCard }),
      runLegion(B("card", "import", "-", "--name", "x"), { stdin: tampered }),
      runLegion(B("card", "import", "-"), { stdin: "not a card\n" }),
    ]);
    assert.equal(own.code, 65);
    assert.match(own.stderr, /legion: error: Cannot import card: it is your own card/);
    assert.equal(bad.code, 65);
    assert.match(bad.stderr, /legion: error: Cannot import card: signature does not verify/);
    assert.equal(garbage.code, 65);
    assert.match(garbage.stderr, /Cannot parse card: not valid JSON/);
  });

  await t.step("a restored identity's new keys are refused, then replaced loudly", async () => {
    const homeB2 = join(tmp.path, "b2");
    const restore = await runLegion([
      "--home",
      homeB2,
      "init",
      "--restore",
      "--phrase-file",
      join(tmp.path, "b.phrase"),
    ]);
    assert.equal(restore.code, 0, restore.stderr);
    const newCard = await runLegion(["--home", homeB2, "card", "export", "--name", "bob"]);
    const before = JSON.parse((await runLegion(A("--json", "contacts", "show", "bob"))).stdout);
    const refused = await runLegion(A("card", "import", "-"), { stdin: newCard.stdout });
    assert.equal(refused.code, 65);
    assert.match(refused.stderr, /the keys of contact "bob" have changed — this may be an attack/);
    assert.match(refused.stderr, /legion: hint: .*--replace/);
    const replaced = await runLegion(A("card", "import", "-", "--replace"), {
      stdin: newCard.stdout,
    });
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stderr, /warning: THE KEYS OF CONTACT "bob" HAVE CHANGED/);
    const after = JSON.parse((await runLegion(A("--json", "contacts", "show", "bob"))).stdout);
    assert.equal(before.onion, after.onion);
    assert.notEqual(before.safetyNumber, after.safetyNumber);
    assert.equal(after.verified, false);
    assert.ok(after.keyChangedAt);
  });

  await t.step("names, keys and cards are not readable in the data files", async () => {
    const needles = [PLANTED, a.onion.slice(0, 30), JSON.parse(aliceCard).ed25519.slice(0, 20)];
    for (const home of [homeA, homeB]) {
      for (const file of ["legion.db", "legion.db-wal"]) {
        const bytes = await Deno.readFile(join(home, file)).catch(() => new Uint8Array());
        const text = new TextDecoder("latin1").decode(bytes);
        for (const needle of needles) assert.ok(!text.includes(needle), `${needle} in ${file}`);
      }
    }
  });
});

Deno.test("a card with another person's libsignal keys is refused (unknown key-share)", async () => {
  await using tmp = await tempDir();
  const homeA = join(tmp.path, "a");
  const homeB = join(tmp.path, "b");
  const [, , m] = await Promise.all([
    initIdentity(homeA, join(tmp.path, "a.phrase")),
    initIdentity(homeB, join(tmp.path, "b.phrase")),
    initIdentity(join(tmp.path, "m"), join(tmp.path, "m.phrase")),
  ]);
  const cardB = await runLegion(["--home", homeB, "card", "export", "--name", "bob"]);
  assert.equal(cardB.code, 0, cardB.stderr);
  // M keeps B's libsignal identity key, prekeys and every signature on them as they are, puts
  // in M's own Ed25519 key and onion, and signs the card correctly with M's Ed25519 key.
  const mallory = await deriveIdentity(m.phrase);
  assert.equal(`${onionAddress(mallory.publicKey)}.onion`, m.onion);
  const forged = await encodeCard({
    ...parseCard(cardB.stdout).card,
    name: "mallory",
    ed25519: new Uint8Array(mallory.publicKey),
    onion: m.onion,
  }, mallory.seed);
  assert.equal(JSON.parse(forged).signal.identityKey, JSON.parse(cardB.stdout).signal.identityKey);

  const refused = await runLegion(["--home", homeA, "card", "import", "-"], { stdin: forged });
  assert.equal(refused.code, 65);
  assert.match(
    refused.stderr,
    /^legion: error: Cannot import card: its libsignal identity key does not vouch for its Ed25519 key and onion\n/,
  );
  assert.match(refused.stderr, /legion: hint: .*someone else's libsignal keys/);
  const list = await runLegion(["--home", homeA, "--json", "contacts", "list"]);
  assert.equal(list.stdout, "");
  const genuine = await runLegion(["--home", homeA, "card", "import", "-"], {
    stdin: cardB.stdout,
  });
  assert.equal(genuine.code, 0, genuine.stderr);
});

Deno.test("a version 1 card is refused with a hint to re-export it", async () => {
  await using tmp = await tempDir();
  const home = join(tmp.path, "a");
  await initIdentity(home, join(tmp.path, "a.phrase"));
  const v1 = CARD_VECTORS.vectors.find((v) => v.name.startsWith("version 1"))!;
  const refused = await runLegion(["--home", home, "card", "import", "-"], { stdin: v1.card });
  assert.equal(refused.code, 65);
  assert.match(refused.stderr, /legion: error: Cannot import card: version 1 cards are no longer/);
  assert.match(refused.stderr, /legion: hint: .*re-export their card/);
});

Deno.test("an armored card, quoted in a mail with CR LF, imports; a changed one exits 65", async () => {
  await using tmp = await tempDir();
  const homeA = join(tmp.path, "a");
  const homeB = join(tmp.path, "b");
  const [a] = await Promise.all([
    initIdentity(homeA, join(tmp.path, "a.phrase")),
    initIdentity(homeB, join(tmp.path, "b.phrase")),
  ]);
  const exported = await runLegion(["--home", homeA, "card", "export", "--armor", "--name", "al"]);
  assert.equal(exported.code, 0, exported.stderr);
  const lines = exported.stdout.trimEnd().split("\n");
  assert.equal(lines[0], "-----BEGIN LEGION CARD-----");
  assert.ok(lines.every((line) => line.length <= 64 || line.startsWith("-----")));
  const body = lines.slice(1, -1);
  const changed = [
    lines[0],
    ...body.slice(0, 3),
    body[3].replace(/^./, (c) => c === "A" ? "B" : "A"),
    ...body.slice(4),
    lines.at(-1)!,
  ];
  const quote = (ls: string[]) =>
    "Alice wrote:\r\n" + ls.map((l) => `> ${l}  `).join("\r\n") + "\r\n";

  const bad = await runLegion(["--home", homeB, "card", "import", "-"], { stdin: quote(changed) });
  assert.equal(bad.code, 65, bad.stderr);
  assert.match(bad.stderr, /^legion: error: Cannot parse card/);

  const good = await runLegion(["--home", homeB, "--json", "card", "import", "-"], {
    stdin: quote(lines),
  });
  assert.equal(good.code, 0, good.stderr);
  const record = JSON.parse(good.stdout);
  assert.equal(record.status, "added");
  assert.equal(record.onion, a.onion);
});
