/**
 * Storage failures through the real CLI and real SQLite: a full disk (a small tmpfs), read-only
 * media (a read-only bind mount: chmod does not stop root), a corrupt page, an empty legion.db, a
 * missing directory and a home owned by another user. Each gets its own message, hint and exit
 * code — never "internal error", never exit 1 — and nothing is half-written.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { closeSync, openSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { initIdentity, runLegion, tempDir } from "../support/cli.ts";
import { canMount, mountSmallDisk, run } from "../support/tmpfs.ts";

const root = !canMount();

function refused(result: { code: number; stderr: string }, code: number, pattern: RegExp) {
  assertEquals(result.code, code, result.stderr);
  assertMatch(result.stderr, pattern);
  assert(!/internal error/.test(result.stderr), result.stderr);
  assertMatch(result.stderr, /legion: hint: /);
}

/** Two identities, A knowing B as "bob". */
async function pair(dir: string, homeA: string) {
  const homeB = join(dir, "b");
  await Promise.all([
    initIdentity(homeA, join(dir, "a.phrase")),
    initIdentity(homeB, join(dir, "b.phrase")),
  ]);
  const card = await runLegion(["--home", homeB, "card", "export", "--name", "bob"]);
  assertEquals(card.code, 0, card.stderr);
  const added = await runLegion(["--home", homeA, "card", "import", "-"], { stdin: card.stdout });
  assertEquals(added.code, 0, added.stderr);
}

async function queued(home: string): Promise<number> {
  const list = await runLegion(["--home", home, "--json", "queue", "list"]);
  assertEquals(list.code, 0, list.stderr);
  return list.stdout.trim() === "" ? 0 : list.stdout.trim().split("\n").length;
}

Deno.test({
  name: "a full disk: send fails with exit 75 and writes nothing; it works once space is freed",
  ignore: root,
  async fn() {
    await using dir = await tempDir();
    await using disk = await mountSmallDisk(8192);
    const home = join(disk.path, "home");
    await pair(dir.path, home);
    disk.fill();
    const full = await runLegion(["--home", home, "send", "bob", "hello"]);
    refused(full, 75, /legion: error: The disk is full/);
    disk.free();
    assertEquals(await queued(home), 0, "nothing half-written");
    const sent = await runLegion(["--home", home, "send", "bob", "hello"]);
    assertEquals(sent.code, 0, sent.stderr);
    assertEquals(await queued(home), 1);
  },
});

Deno.test({
  name:
    "a read-only home: whoami, inbox, contacts list, queue list and card export work; send and card export --qr are refused (77)",
  ignore: root,
  async fn() {
    await using dir = await tempDir();
    const home = join(dir.path, "a");
    await pair(dir.path, home);
    await run("mount", "--bind", home, home);
    try {
      await run("mount", "-o", "remount,ro,bind", home);
      for (
        const args of [["whoami"], ["inbox"], ["contacts", "list"], ["queue", "list"], [
          "card",
          "export",
        ]]
      ) {
        const result = await runLegion(["--home", home, ...args]);
        assertEquals(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
      }
      const send = await runLegion(["--home", home, "send", "bob", "hi"]);
      refused(send, 77, /legion: error: The data dir is read-only/);
      // A short form is served from the kept card, which a read-only home cannot keep.
      const qr = await runLegion(["--home", home, "card", "export", "--qr"]);
      refused(qr, 77, /legion: error: The data dir is read-only/);
    } finally {
      await run("umount", home);
    }
  },
});

Deno.test("a corrupt page: listen refuses at its integrity check with exit 65", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "a");
  await initIdentity(home, join(dir.path, "a.phrase"));
  const db = join(home, "legion.db");
  const pageSize = 4096;
  const pages = statSync(db).size / pageSize;
  const junk = new Uint8Array(pageSize);
  crypto.getRandomValues(junk);
  const fd = openSync(db, "r+");
  writeSync(fd, junk, 0, pageSize, Math.floor(pages / 2) * pageSize);
  closeSync(fd);
  const listen = await runLegion(["--home", home, "listen"]);
  refused(listen, 65, /legion: error: The store is corrupt/);
  assertMatch(listen.stderr, /restore legion\.db from a backup/);
});

Deno.test("an empty legion.db is not a Legion store (65) and stays 0 bytes", async () => {
  await using dir = await tempDir();
  const db = join(dir.path, "legion.db");
  await Deno.writeFile(db, new Uint8Array(0), { mode: 0o600 });
  const whoami = await runLegion(["--home", dir.path, "whoami"]);
  refused(whoami, 65, /empty: not a Legion store/);
  assertEquals(statSync(db).size, 0);
  assertEquals([...Deno.readDirSync(dir.path)].map((e) => e.name), ["legion.db"]);
});

Deno.test({
  name: "a home owned by another user is refused (77) with a hint, and left as it was",
  ignore: root,
  async fn() {
    await using dir = await tempDir();
    const home = join(dir.path, "a");
    await initIdentity(home, join(dir.path, "a.phrase"));
    await run("chown", "-R", "nobody", home);
    const before = [...Deno.readDirSync(home)].map((e) => e.name).sort();
    const whoami = await runLegion(["--home", home, "whoami"]);
    refused(whoami, 77, /belongs to another user/);
    assertMatch(whoami.stderr, /run legion as the user who owns the data dir/);
    assertEquals([...Deno.readDirSync(home)].map((e) => e.name).sort(), before);
  },
});

Deno.test("an uncreatable home is refused with its cause, not as an internal error", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "a-file");
  await Deno.writeTextFile(file, "");
  const init = await runLegion(["--home", join(file, "home"), "init", "--phrase-out", "-"]);
  refused(init, 66, /Cannot create the data dir/);
});
