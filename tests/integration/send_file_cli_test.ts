/**
 * `legion send --file` / `--voice` and `legion save` through the real CLI (one home; delivery is
 * covered over the memory transport and Tor elsewhere): binary stdin kept byte for byte, the cap
 * refused with 65 before the file is read, traversal and device names saved under safe names.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { join } from "node:path";
import { MAIN, runLegion, tempDir, TEST_PASSPHRASE, withContact } from "../support/cli.ts";
import { m4a } from "../support/voice_fixture.ts";

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new Uint8Array(bytes));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("send --file - keeps binary stdin byte-exact; save writes it back under a safe name", async () => {
  await using dir = await tempDir();
  const { alice } = await withContact(dir.path);
  const bytes = new Uint8Array(300_000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
  bytes.set([0xff, 0xfe, 0x00], 0);
  const sent = await runLegion(
    ["--home", alice, "--json", "send", "bob", "--file", "-", "--name", "../../evil\u0001.bin"],
    { stdin: bytes },
  );
  assertEquals(sent.code, 0, sent.stderr);
  const queued = JSON.parse(sent.stdout.trim().split("\n").at(-1)!);
  assertEquals(queued.size, bytes.length);
  assertEquals(queued.sha256, await sha256(bytes));

  const inbox = await runLegion(["--home", alice, "inbox", "--all"]);
  assertEquals(inbox.code, 0, inbox.stderr);
  assertMatch(
    inbox.stdout,
    /\[file\] \.\.\/\.\.\/evil_\.bin \(300000 bytes, application\/octet-stream\) sending/,
  );

  const made = join(dir.path, "out");
  await Deno.mkdir(made);
  const out = await Deno.realPath(made);
  const saved = await runLegion(["--home", alice, "--json", "save", queued.id.slice(0, 8), out]);
  assertEquals(saved.code, 0, saved.stderr);
  const record = JSON.parse(saved.stdout);
  assertEquals(record.path, join(out, "evil_.bin"), "no traversal, no control character");
  assertEquals(await Deno.readFile(record.path), bytes);
  assertEquals((await Deno.stat(record.path)).mode! & 0o777, 0o600);
  assertEquals([...Deno.readDirSync(out)].length, 1, "nothing else is left in DIR");

  const again = await runLegion(["--home", alice, "save", queued.id.slice(0, 8), out]);
  assertEquals(again.code, 78, again.stderr);
  assertMatch(again.stderr, /Refusing to overwrite/);
  const forced = await runLegion(["--home", alice, "save", queued.id.slice(0, 8), out, "--force"]);
  assertEquals(forced.code, 0, forced.stderr);

  const piped = await runLegion(["--home", alice, "save", queued.id.slice(0, 8), "-"]);
  assertEquals(piped.code, 0, piped.stderr);
  assertEquals(new TextEncoder().encode(piped.stdout).length > 0, true);
});

Deno.test("reserved and path-only names get a fallback name; a FIFO is never written", async () => {
  await using dir = await tempDir();
  const { alice } = await withContact(dir.path);
  const out = join(dir.path, "out");
  await Deno.mkdir(out);
  for (
    const [name, expected] of [["con", /^_con$/], ["..", /^legion-[0-9a-f]{8}$/], [
      "/etc/passwd",
      /^passwd$/,
    ]] as const
  ) {
    const sent = await runLegion(
      ["--home", alice, "--json", "send", "bob", "--file", "-", "--name", name],
      { stdin: new Uint8Array([1, 2, 3]) },
    );
    assertEquals(sent.code, 0, sent.stderr);
    const { id } = JSON.parse(sent.stdout.trim().split("\n").at(-1)!);
    const saved = await runLegion(["--home", alice, "--json", "save", id, out]);
    assertEquals(saved.code, 0, saved.stderr);
    const path = JSON.parse(saved.stdout).path as string;
    assertEquals(path.startsWith(out + "/"), true);
    assertMatch(path.slice(out.length + 1), expected);
  }
  const fifoSent = await runLegion(
    ["--home", alice, "--json", "send", "bob", "--file", "-", "--name", "pipe"],
    { stdin: new Uint8Array([9]) },
  );
  const { id } = JSON.parse(fifoSent.stdout.trim().split("\n").at(-1)!);
  const mk = await new Deno.Command("mkfifo", { args: [join(out, "pipe")] }).output();
  assert(mk.success);
  const refused = await runLegion(["--home", alice, "save", id, out, "--force"]);
  assertEquals(refused.code, 78, refused.stderr);
  assertMatch(refused.stderr, /not a regular file/);
});

Deno.test("over --max-size: exit 65 before any work (a file by its size, stdin once it crosses)", async () => {
  await using dir = await tempDir();
  const { alice } = await withContact(dir.path);
  const big = join(dir.path, "big.bin");
  await Deno.writeFile(big, new Uint8Array(4096));
  const file = await runLegion(["--home", alice, "send", "bob", "--file", big, "--max-size", "1K"]);
  assertEquals(file.code, 65, file.stderr);
  assertMatch(file.stderr, /^legion: error: .*larger than 1024 bytes/);
  // 64 MiB offered on stdin with a 1 MiB cap: the CLI stops reading and exits 65 long before.
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", MAIN, "--home", alice, "send", "bob", "--file", "-"]
      .concat(["--max-size", "1M"]),
    env: { NO_COLOR: "1", LEGION_PASSPHRASE: TEST_PASSPHRASE },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  let offered = 0;
  try {
    for (; offered < 64 * 1024 * 1024; offered += 1024 * 1024) {
      await writer.write(new Uint8Array(1024 * 1024));
    }
    await writer.close();
  } catch {
    // the CLI stopped reading: the pipe broke
  }
  const stdin = await child.output();
  assertEquals(stdin.code, 65, new TextDecoder().decode(stdin.stderr));
  assert(offered < 64 * 1024 * 1024, "the CLI did not read everything");
  const inbox = await runLegion(["--home", alice, "--json", "inbox", "--all"]);
  assertEquals(inbox.stdout.trim(), "", "nothing of a refused file is queued");
  const voice = await runLegion(["--home", alice, "send", "bob", "--voice", big]);
  assertEquals(voice.code, 65, voice.stderr);
  assertMatch(voice.stderr, /Not a voice clip/);
  // A real clip (by its bytes, whatever its name) carries its duration from the container.
  const clip = join(dir.path, "clip.bin");
  await Deno.writeFile(clip, m4a(2_500));
  const sent = await runLegion(["--home", alice, "--json", "send", "bob", "--voice", clip]);
  assertEquals(sent.code, 0, sent.stderr);
  const listed = await runLegion(["--home", alice, "inbox", "--all"]);
  assertMatch(listed.stdout, /\[voice\] clip\.bin \(\d+ bytes, audio\/mp4, 2\.5 s\) sending/);
});
