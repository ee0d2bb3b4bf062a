import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { exists, runLegion, tempDir, TEST_PASSPHRASE } from "../support/cli.ts";
import { unlockStore } from "../../src/store/open_store.ts";
import { insertMessage } from "../../src/store/messages.ts";
import { PayloadType } from "../../src/protocol/payload.ts";
import { findInFiles, listFiles } from "../support/scan.ts";
import { plantRows } from "../support/fill_home.ts";
import { deriveIdentity, newPhrase } from "../../src/crypto/phrase_keys.ts";
import { toHex } from "../../src/crypto/hex.ts";

const text = (s: string) => new TextEncoder().encode(s);

async function homeWithIdentity(dir: string): Promise<{ home: string; phrase: string }> {
  const home = join(dir, "home");
  const phrase = await newPhrase();
  const init = await runLegion(["--home", home, "init", "--restore"], { stdin: phrase });
  assertEquals(init.code, 0, init.stderr);
  return { home, phrase };
}

Deno.test("panic --yes on 10,000 messages leaves no marker, sealed byte or key byte in the former files' blocks, and no data dir", async () => {
  await using dir = await tempDir();
  const { home, phrase } = await homeWithIdentity(dir.path);
  const { markers } = await plantRows(home, 10_000, 100);
  // And 10,000 real messages through the store API (sealed), as messaging writes them.
  const store = await unlockStore(home, TEST_PASSPHRASE, Date.now());
  const sealedNonces: Uint8Array[] = [];
  try {
    store.db.exec("BEGIN");
    for (let i = 0; i < 10_000; i++) {
      const payload = {
        type: PayloadType.text,
        id: crypto.getRandomValues(new Uint8Array(16)),
        createdAt: Date.now(),
        ttlSeconds: 3600,
        burn: false,
        body: text(`message ${i} ${markers[i % 100]}`),
      };
      insertMessage(store.db, store.sealer, {
        payload,
        contactId: 1,
        direction: "in",
        state: "received",
      }, Date.now());
    }
    store.db.exec("COMMIT");
    for (
      const row of store.db.prepare("SELECT body_sealed FROM messages LIMIT 100").all() as Array<
        { body_sealed: Uint8Array }
      >
    ) {
      sealedNonces.push(new Uint8Array(row.body_sealed).slice(1, 25));
    }
  } finally {
    store.close();
  }
  const keys = await deriveIdentity(phrase);
  const db = new DatabaseSync(join(home, "legion.db"));
  const wrapped =
    (db.prepare("SELECT wrapped_key FROM vault").get() as { wrapped_key: Uint8Array }).wrapped_key;
  db.close();

  // Hard links keep each file's inode reachable after panic unlinks it, so the test reads the very
  // blocks the data lived in: the wipe must overwrite them in place, not merely unlink.
  const links = join(dir.path, "links");
  await Deno.mkdir(links);
  const files = await listFiles(home);
  for (const [i, file] of files.entries()) await Deno.link(file, join(links, `${i}`));
  const needles: Record<string, Uint8Array> = {
    seed: keys.seed,
    seedHex: text(toHex(keys.seed)),
    wrappedVaultKey: new Uint8Array(wrapped).subarray(25, 57),
    vaultKeyFile: await Deno.readFile(join(home, "vault.key")),
    phraseStart: text(phrase.split(" ").slice(0, 4).join(" ")),
  };
  markers.forEach((marker, i) => needles[`marker${i}`] = text(marker));
  sealedNonces.forEach((nonce, i) => needles[`sealed${i}`] = nonce);
  assert(
    (await findInFiles(links, needles)).length > 0,
    "the planted data is visible before panic",
  );

  const result = await runLegion(["--home", home, "--json", "panic", "--yes"], {
    passphrase: null,
  });
  assertEquals(result.code, 0, result.stderr);
  const record = JSON.parse(result.stdout);
  assertEquals(record.wiped, true);
  assertEquals(record.failures, []);
  assert(record.rows >= 20_002, `rows deleted: ${record.rows}`);

  assertEquals(await findInFiles(links, needles), []);
  assertEquals(await exists(home), false, "the data dir is gone");
});

Deno.test("panic is idempotent and needs no passphrase", async () => {
  await using dir = await tempDir();
  const { home } = await homeWithIdentity(dir.path);
  const first = await runLegion(["--home", home, "panic", "--yes"], { passphrase: null });
  assertEquals(first.code, 0, first.stderr);
  assertMatch(first.stdout, /^destroyed .* in \d+ ms\n$/);
  const second = await runLegion(["--home", home, "panic", "--yes"], { passphrase: null });
  assertEquals(second.code, 0);
  assertMatch(second.stdout, /nothing to destroy/);
});

Deno.test("panic without --yes and without a terminal refuses (2) and destroys nothing", async () => {
  await using dir = await tempDir();
  const { home } = await homeWithIdentity(dir.path);
  const result = await runLegion(["--home", home, "panic"], { passphrase: null });
  assertEquals(result.code, 2);
  assertMatch(
    result.stderr,
    /Refusing to destroy data without confirmation\nlegion: hint: .*--yes/,
  );
  assert(await exists(join(home, "legion.db")));
});

Deno.test("panic --if-unused-for wipes only after the identity went unused that long", async () => {
  await using dir = await tempDir();
  const { home } = await homeWithIdentity(dir.path);
  const recent = await runLegion(["--home", home, "--json", "panic", "--if-unused-for", "30d"]);
  assertEquals(recent.code, 0);
  assertEquals(JSON.parse(recent.stdout).wiped, false);
  assert(await exists(join(home, "legion.db")));

  const db = new DatabaseSync(join(home, "legion.db"));
  const old = Date.now() - 31 * 86_400_000;
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_unlock_at', ?)").run(
    String(old),
  );
  db.close();
  const stale = await runLegion(["--home", home, "--json", "panic", "--if-unused-for", "30d"]);
  assertEquals(stale.code, 0, stale.stderr);
  assertEquals(JSON.parse(stale.stdout).wiped, true);
  assertEquals(await exists(home), false);

  const bad = await runLegion(["--home", home, "panic", "--if-unused-for", "soon"]);
  assertEquals(bad.code, 2);
});

Deno.test("panic stops a process recorded in node.pid and tor processes using the data dir", async () => {
  await using dir = await tempDir();
  const { home } = await homeWithIdentity(dir.path);
  // A stand-in node: a process that records itself like `legion listen` does and waits.
  const node = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { writePidFile } from "${new URL("../../src/node/processes.ts", import.meta.url)}";
       writePidFile(${JSON.stringify(home)}); setInterval(() => {}, 1000);`,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  for (let i = 0; i < 100 && !(await exists(join(home, "node.pid"))); i++) await delay(50);
  const result = await runLegion(["--home", home, "--json", "panic", "--yes"], {
    passphrase: null,
  });
  assertEquals(result.code, 0, result.stderr);
  assertEquals(JSON.parse(result.stdout).stoppedProcesses, 1);
  const status = await node.status;
  assertEquals(status.success, false, "the node was signalled");
  assertEquals(await exists(home), false);
});

function delay(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
