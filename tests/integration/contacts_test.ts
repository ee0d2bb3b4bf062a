/**
 * `legion contacts` and `card export` formats through the real CLI: golden shape of the card,
 * lazy libsignal keys for a data dir from before migration 3, rename/remove/show, QR output.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { initIdentity, runLegion, tempDir } from "../support/cli.ts";

const GOLDEN = new URL("../golden/card_export_shape.json", import.meta.url);

/** The card with every key, signature, time and address replaced by its kind and size. */
function shape(card: string): string {
  const value = JSON.parse(card);
  const walk = (v: unknown, key = ""): unknown => {
    if (typeof v === "string") {
      if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(v)) return "<time>";
      if (/^[a-z2-7]{56}\.onion$/.test(v)) return "<onion>";
      if (/^[A-Za-z0-9+/]+=*$/.test(v) && v.length >= 24) {
        return `<base64 ${atob(v).length} bytes>`;
      }
      return v;
    }
    if (typeof v === "number") return key === "version" ? v : "<integer>";
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    }
    return v;
  };
  return JSON.stringify(walk(value), null, 2) + "\n";
}

Deno.test("contacts commands and card formats", async (t) => {
  await using tmp = await tempDir();
  const homeA = join(tmp.path, "a");
  const homeB = join(tmp.path, "b");
  await Promise.all([
    initIdentity(homeA, join(tmp.path, "a.phrase")),
    initIdentity(homeB, join(tmp.path, "b.phrase")),
  ]);
  const A = (...args: string[]) => ["--home", homeA, ...args];
  const B = (...args: string[]) => ["--home", homeB, ...args];

  await t.step("init creates the libsignal identity and first prekey pair", () => {
    const db = new DatabaseSync(join(homeA, "legion.db"));
    try {
      const count = (table: string) =>
        Number((db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n);
      assert.equal(count("signal_identity"), 1);
      assert.equal(count("signal_signed_prekeys"), 1);
      assert.equal(count("signal_kyber_prekeys"), 1);
      const version = (db.prepare("PRAGMA user_version").get() as { user_version: number })
        .user_version;
      assert.ok(Number(version) >= 3);
    } finally {
      db.close();
    }
  });

  await t.step("a data dir from before migration 3 gets libsignal keys on first use", () => {
    const db = new DatabaseSync(join(homeB, "legion.db"));
    db.exec(`
      DROP TABLE contacts; DROP TABLE signal_sessions; DROP TABLE signal_prekeys;
      DROP TABLE signal_kyber_used; DROP TABLE signal_kyber_prekeys;
      DROP TABLE signal_signed_prekeys; DROP TABLE signal_identity;
      ALTER TABLE outbox DROP COLUMN last_error_sealed; ALTER TABLE outbox ADD COLUMN last_error TEXT;
      DROP TRIGGER inbound_usage_insert; DROP TRIGGER inbound_usage_delete;
      DROP TABLE inbound_usage; DROP TABLE exported_cards;
      DROP TABLE group_outbox; DROP TABLE group_envelopes; DROP TABLE group_peers;
      DROP TABLE group_key_packages; DROP TABLE group_seen; DROP TABLE group_posts;
      DROP TABLE group_held; DROP TABLE group_commits; DROP TABLE groups;
      DROP TRIGGER transfers_follow_messages; DROP TABLE file_chunks; DROP TABLE transfers;
      DROP TABLE mailboxes; DROP TABLE relay_slots;
      ALTER TABLE outbox DROP COLUMN first_failed_at; ALTER TABLE outbox DROP COLUMN via_relay;
      ALTER TABLE outbox DROP COLUMN relayed_at; ALTER TABLE outbox DROP COLUMN relay_error_sealed;
      PRAGMA user_version = 2;
    `);
    db.close();
  });

  let cardB = "";
  await t.step("card export keeps its format (golden shape) and --json wraps it", async () => {
    const [plain, json] = await Promise.all([
      runLegion(B("card", "export", "--name", "bob", "--expires-in", "7")),
      runLegion(A("--json", "card", "export")),
    ]);
    assert.equal(plain.code, 0, plain.stderr);
    cardB = plain.stdout;
    const actual = shape(cardB);
    if (Deno.env.get("UPDATE_GOLDEN") === "1") await Deno.writeTextFile(GOLDEN, actual);
    assert.equal(actual, await Deno.readTextFile(GOLDEN));
    const card = JSON.parse(cardB);
    assert.equal(Date.parse(card.expires) - Date.parse(card.created), 7 * 86_400_000);
    const record = JSON.parse(json.stdout);
    assert.equal(record.type, "card");
    assert.equal(record.card.name, undefined);
    assert.ok(record.bytes > 2500 && record.bytes < 2953, `card is ${record.bytes} bytes`);
  });

  await t.step("import, show, rename, remove", async () => {
    const imported = await runLegion(A("card", "import", "-"), { stdin: cardB });
    assert.equal(imported.code, 0, imported.stderr);
    const show = await runLegion(A("contacts", "show", "bob"));
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^name: +bob$/m);
    assert.match(show.stdout, /^safety number: (\d{5} ){11}\d{5}$/m);
    const renamed = await runLegion(A("contacts", "rename", "bob", "Bobby"));
    assert.equal(renamed.stdout, "renamed bob to Bobby\n");
    const [gone, list] = await Promise.all([
      runLegion(A("contacts", "show", "bob")),
      runLegion(A("contacts", "list")),
    ]);
    assert.equal(gone.code, 66);
    assert.match(gone.stderr, /legion: error: No contact named "bob"/);
    assert.match(list.stdout, /^Bobby {2}[a-z2-7]{56}\.onion {2}unverified$/m);
    const removed = await runLegion(A("contacts", "remove", "Bobby"));
    assert.equal(removed.code, 0, removed.stderr);
    const empty = await runLegion(A("--json", "contacts", "list"));
    assert.equal(empty.stdout, "");
  });

  await t.step("--qr draws the card's short form: a version ≤ 10 code", async () => {
    const [qr, json] = await Promise.all([
      runLegion(B("card", "export", "--qr")),
      runLegion(B("--json", "card", "export", "--qr", "--name", "bob")),
    ]);
    assert.equal(qr.code, 0, qr.stderr);
    assert.match(qr.stdout, /[█▀▄]/);
    assert.match(qr.stderr, /keep `legion listen` running/);
    const out = JSON.parse(json.stdout);
    assert.equal(out.type, "card_qr");
    assert.match(out.short, /^LEGION:CARD:V2:[A-Z2-7]{103}$/);
    assert.ok(out.version <= 10, `version ${out.version}`);
    assert.equal(out.modules, 17 + 4 * out.version);
    // Two modules per line, plus the quiet zone: a code that fits any terminal.
    const lines = qr.stdout.trimEnd().split("\n");
    assert.ok(lines.length <= (out.modules + 8) / 2 + 1, `${lines.length} lines`);
  });

  await t.step("card import of a short form: damaged is 65, unreachable tor is 69", async () => {
    const json = await runLegion(B("--json", "card", "export", "--qr"));
    const short: string = JSON.parse(json.stdout).short;
    const [damaged, noTor] = await Promise.all([
      runLegion(A("card", "import", short.slice(0, -3))),
      // Nothing listens on port 9 of loopback: the tor to attach to is not there.
      runLegion(A("card", "import", "--tor-control", "127.0.0.1:9", "-"), { stdin: short }),
    ]);
    assert.equal(damaged.code, 65, damaged.stderr);
    assert.match(damaged.stderr, /^legion: error: Cannot import card: the short form is damaged/m);
    assert.equal(noTor.code, 69, noTor.stderr);
    assert.match(noTor.stderr, /^legion: hint: /m);
    const list = await runLegion(A("--json", "contacts", "list"));
    assert.equal(list.stdout, "", "nothing imported");
  });

  await t.step("usage errors: bad --expires-in, missing card file", async () => {
    const [days, missing] = await Promise.all([
      runLegion(B("card", "export", "--expires-in", "365")),
      runLegion(B("card", "import", join(tmp.path, "nope.card"))),
    ]);
    assert.equal(days.code, 2);
    assert.equal(missing.code, 66);
  });
});

Deno.test("a removed or replaced contact's messages and queue never pass to the next contact", async (t) => {
  await using tmp = await tempDir();
  const homes = ["a", "c", "d", "e"].map((name) => join(tmp.path, name));
  await Promise.all(homes.map((home, i) => initIdentity(home, join(tmp.path, `${i}.phrase`))));
  const [homeA, homeC, homeD, homeE] = homes;
  const A = (...args: string[]) => ["--home", homeA, ...args];
  const cardOf = async (home: string, name: string) => {
    const card = await runLegion(["--home", home, "card", "export", "--name", name]);
    assert.equal(card.code, 0, card.stderr);
    return card.stdout;
  };
  const lines = async (...args: string[]) => {
    const result = await runLegion(A("--json", ...args));
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  };
  const [cardC, cardD, cardE] = await Promise.all([
    cardOf(homeC, "carol"),
    cardOf(homeD, "dave"),
    cardOf(homeE, "dave"),
  ]);

  await t.step("remove carol with a queued message, then add dave", async () => {
    assert.equal((await runLegion(A("card", "import", "-"), { stdin: cardC })).code, 0);
    const sent = await runLegion(A("send", "carol", "for carol only"));
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal((await lines("queue", "list")).length, 1);
    assert.equal((await lines("inbox", "--all")).length, 1);
    const removed = await runLegion(A("contacts", "remove", "carol"));
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal((await runLegion(A("card", "import", "-"), { stdin: cardD })).code, 0);
    assert.deepEqual(await lines("queue", "list"), []);
    assert.deepEqual(await lines("inbox", "--all"), []);
    assert.deepEqual(await lines("inbox", "dave", "--all"), []);
  });

  await t.step("replacing dave with a different identity drops dave's history", async () => {
    const sent = await runLegion(A("send", "dave", "for the first dave"));
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal((await lines("inbox", "dave", "--all")).length, 1);
    const replaced = await runLegion(A("card", "import", "-", "--replace"), { stdin: cardE });
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.deepEqual(await lines("queue", "list"), []);
    assert.deepEqual(await lines("inbox", "dave", "--all"), []);
  });
});
