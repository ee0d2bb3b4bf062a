/**
 * The CLI's edges as users meet them: a reader that closes stdout early, Ctrl-C at a prompt,
 * conflicting options, bad message input, one duration syntax, and `send --wait`'s deadline.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { join } from "node:path";
import { exists, initIdentity, MAIN, runLegion, tempDir, withContact } from "../support/cli.ts";

function noStackTrace(stderr: string): void {
  assert(!stderr.includes("Uncaught"), stderr);
  assert(!stderr.includes("    at "), stderr);
  assert(!stderr.includes("internal error"), stderr);
}

Deno.test("a stdout closed by its reader ends the command quietly with its own exit code", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  await initIdentity(home, join(dir.path, "phrase"));
  for (const args of [["--json", "whoami"], ["whoami"], ["--json", "contacts", "list"]]) {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--quiet", MAIN, "--home", home, ...args],
      env: { LEGION_PASSPHRASE: "correct horse battery staple", NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    await child.stdout.cancel(); // the reader goes away before anything is written
    const { code, stderr } = await child.output();
    const text = new TextDecoder().decode(stderr);
    assertEquals(code, 0, text);
    noStackTrace(text);
    assertEquals(text, "", "nothing on stderr");
  }
});

Deno.test("Ctrl-C at the passphrase prompt exits 130 with at most one line", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  await initIdentity(home, join(dir.path, "phrase"));
  // script(1) gives the CLI a terminal; what we write to script's stdin is typed on it.
  const command = `'${Deno.execPath()}' run --allow-all --quiet '${MAIN}' --home '${home}' whoami`;
  const child = new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    env: { NO_COLOR: "1", TERM: "dumb" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.getReader();
  let screen = "";
  while (!screen.includes("Passphrase")) {
    const { value, done } = await reader.read();
    if (done) break;
    screen += new TextDecoder().decode(value);
  }
  assert(screen.includes("Passphrase"), screen);
  const writer = child.stdin.getWriter();
  await writer.write(new Uint8Array([0x03]));
  await writer.close();
  let rest = "";
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    rest += new TextDecoder().decode(r.value);
  }
  const { code } = await child.status;
  await child.stderr.cancel();
  assertEquals(code, 130, rest);
  noStackTrace(rest);
  assert(rest.trim().split("\n").filter((l) => /\w/.test(l)).length <= 1, rest);
});

Deno.test("init refuses --phrase-file without --restore, and --phrase-out with it (exit 2)", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const phrase = join(dir.path, "phrase");
  await Deno.writeTextFile(phrase, "not read\n");
  for (
    const args of [
      ["init", "--phrase-file", phrase],
      ["init", "--restore", "--phrase-out", join(dir.path, "out")],
      ["init", "--restore", "--show-phrase"],
    ]
  ) {
    const result = await runLegion(["--home", home, ...args]);
    assertEquals(result.code, 2, args.join(" "));
    assertMatch(result.stderr, /^legion: error: .*--restore/);
    assert(!await exists(join(home, "legion.db")), "no identity created");
    assert(!await exists(join(dir.path, "out")));
  }
});

Deno.test("send: bad UTF-8 and over-long text are bad data (65) with the limit; --ttl clamping is said", async () => {
  await using dir = await tempDir();
  const { alice } = await withContact(dir.path);
  const bad = await runLegion(["--home", alice, "send", "bob", "-"], {
    stdin: new Uint8Array([0xff, 0xfe, 0x00]),
  });
  assertEquals(bad.code, 65, bad.stderr);
  assertMatch(bad.stderr, /^legion: error: The message is not valid UTF-8/);
  const long = "a".repeat(70_000);
  for (
    const [args, stdin] of [
      [["send", "bob", long], undefined],
      [["send", "bob", "-"], long],
    ] as const
  ) {
    const result = await runLegion(["--home", alice, ...args], { stdin });
    assertEquals(result.code, 65, result.stderr);
    assertMatch(result.stderr, /hint: .*65536 bytes.*send a file with --file/);
    assert(!result.stderr.includes("send-file"));
  }
  const clamped = await runLegion(["--home", alice, "send", "bob", "hi", "--ttl", "0s"]);
  assertEquals(clamped.code, 0, clamped.stderr);
  assertMatch(clamped.stderr, /^legion: warning: --ttl 0s is outside 1m … 30d; using 1m$/m);
  const huge = await runLegion(["--home", alice, "--json", "send", "bob", "hi", "--ttl", "99999d"]);
  assertEquals(JSON.parse(huge.stdout).ttlSeconds, 30 * 86_400);
  assertMatch(huge.stderr, /^legion: warning: --ttl .* using 30d$/m);
});

Deno.test("durations read the same everywhere: --expires-in 30d, --timeout 90s, --tor-timeout 3m", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  await initIdentity(home, join(dir.path, "phrase"));
  const card = await runLegion(["--home", home, "card", "export", "--expires-in", "2w"]);
  assertEquals(card.code, 0, card.stderr);
  const days = await runLegion(["--home", home, "card", "export", "--expires-in", "30"]);
  assertEquals(days.code, 0, "a bare number is days, as before");
  const run = await runLegion([
    "--home",
    home,
    "queue",
    "run",
    "--timeout",
    "90s",
    "--tor-timeout",
    "3m",
  ]);
  assertEquals(run.code, 0, run.stderr);
  for (const args of [["send", "x", "hi", "--wait", "soon"], ["queue", "run", "--timeout", "0"]]) {
    const result = await runLegion(["--home", home, ...args]);
    assertEquals(result.code, 2, args.join(" "));
  }
});

Deno.test("send --wait without a node: the deadline covers tor start-up, and the cause is 69", async () => {
  await using dir = await tempDir();
  const { alice } = await withContact(dir.path);
  // A "tor" that never opens its control port: tor's own 180 s start-up limit must not apply.
  const fakeTor = join(dir.path, "fake-tor");
  await Deno.writeTextFile(fakeTor, "#!/bin/sh\nexec sleep 600\n");
  await Deno.chmod(fakeTor, 0o755);
  const started = performance.now();
  const result = await runLegion([
    "--home",
    alice,
    "send",
    "bob",
    "hi",
    "--wait",
    "3s",
    "--tor-bin",
    fakeTor,
  ]);
  const seconds = (performance.now() - started) / 1000;
  assertEquals(result.code, 69, result.stderr);
  assertMatch(result.stderr, /legion: error: Not delivered within 3s: tor/);
  noStackTrace(result.stderr);
  assert(seconds < 90, `gave up at the deadline, not tor's limit (${seconds.toFixed(1)} s)`);
});
