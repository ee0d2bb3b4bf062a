/**
 * `legion send --message-file`: the way to send without the text in argv (finding 10 of the
 * security audit: an argument shows in /proc/PID/cmdline and in shell history).
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { join } from "node:path";
import { runLegion, tempDir, withContact } from "../support/cli.ts";

Deno.test("send --message-file sends the file's text; with a text argument too it is a usage error", async () => {
  await using dir = await tempDir();
  const { alice } = await withContact(dir.path);
  const file = join(dir.path, "note.txt");
  await Deno.writeTextFile(file, "meet at the old mill\nbring the map\n");

  const sent = await runLegion(["--home", alice, "--json", "send", "bob", "--message-file", file]);
  assertEquals(sent.code, 0, sent.stderr);
  const { id } = JSON.parse(sent.stdout);
  const inbox = await runLegion(["--home", alice, "--json", "inbox", "--all"]);
  assertEquals(inbox.code, 0, inbox.stderr);
  const mine = inbox.stdout.trim().split("\n").map((line) => JSON.parse(line))
    .find((m) => m.id === id);
  assertEquals(mine?.text, "meet at the old mill\nbring the map", inbox.stdout);

  for (const text of ["also this", "-"]) {
    const both = await runLegion(["--home", alice, "send", "bob", text, "--message-file", file]);
    assertEquals(both.code, 2, both.stderr);
    assertMatch(both.stderr, /^legion: error: .*--message-file/);
  }

  const bad = join(dir.path, "bad.txt");
  await Deno.writeFile(bad, new Uint8Array([0x68, 0xff, 0xfe]));
  const notUtf8 = await runLegion(["--home", alice, "send", "bob", "--message-file", bad]);
  assertEquals(notUtf8.code, 65, notUtf8.stderr);
  assertMatch(notUtf8.stderr, /^legion: error: The message is not valid UTF-8/);
  const long = join(dir.path, "long.txt");
  await Deno.writeTextFile(long, "a".repeat(70_000));
  const tooLong = await runLegion(["--home", alice, "send", "bob", "--message-file", long]);
  assertEquals(tooLong.code, 65, tooLong.stderr);
  assertMatch(tooLong.stderr, /hint: .*65536 bytes/);
  const missing = await runLegion([
    "--home",
    alice,
    "send",
    "bob",
    "--message-file",
    join(dir.path, "absent.txt"),
  ]);
  assertEquals(missing.code, 66, missing.stderr);
});

Deno.test("send --help says why a text argument is the weaker way", async () => {
  const help = await runLegion(["send", "--help"], { passphrase: null });
  assertEquals(help.code, 0, help.stderr);
  assert(help.stdout.includes("--message-file <file>"), help.stdout);
  assertMatch(
    help.stdout.replaceAll(/\s+/g, " "),
    /an argument is visible to other local users in the process list and stays in shell history/,
  );
});
