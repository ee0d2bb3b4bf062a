import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { join } from "node:path";
import { exists, initIdentity, runLegion, tempDir, TEST_PASSPHRASE } from "../support/cli.ts";
import { onionPublicKey } from "../../src/crypto/onion.ts";
import { toHex } from "../../src/crypto/hex.ts";

Deno.test("init then whoami --json works non-interactively", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const { onion } = await initIdentity(home, join(dir.path, "phrase.txt"));
  const result = await runLegion(["--home", home, "whoami", "--json"]);
  assertEquals(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split("\n");
  assertEquals(lines.length, 1, "one JSON object per line");
  const record = JSON.parse(lines[0]);
  assertEquals(record.type, "identity");
  assertEquals(record.onion, onion);
  assertMatch(record.onion, /^[a-z2-7]{56}\.onion$/);
  assertEquals(
    toHex(onionPublicKey(record.onion)!),
    record.publicKey,
    "onion derives from the key",
  );
  assertMatch(record.fingerprint, /^([0-9a-f]{4} ){7}[0-9a-f]{4}$/);
  assert(Math.abs(Date.parse(record.createdAt) - Date.now()) < 120_000);
});

Deno.test("init --restore with the same phrase gives the same onion (stdin and --phrase-file)", async () => {
  await using dir = await tempDir();
  const phraseFile = join(dir.path, "phrase.txt");
  const { onion, phrase } = await initIdentity(join(dir.path, "a"), phraseFile);
  assertEquals(phrase.split(" ").length, 24);
  const viaStdin = await runLegion(["--home", join(dir.path, "b"), "init", "--restore"], {
    stdin: `  ${phrase.toUpperCase()}  \n`,
  });
  assertEquals(viaStdin.code, 0, viaStdin.stderr);
  assertEquals(viaStdin.stdout.trim(), onion);
  const viaFile = await runLegion([
    "--home",
    join(dir.path, "c"),
    "--json",
    "init",
    "--restore",
    "--phrase-file",
    phraseFile,
  ]);
  assertEquals(JSON.parse(viaFile.stdout).onion, onion);
  assertEquals(JSON.parse(viaFile.stdout).restored, true);
});

Deno.test("init --restore refuses a phrase with a bad checksum (65) and creates nothing", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "h");
  const bad = Array(24).fill("abandon").join(" ");
  const result = await runLegion(["--home", home, "init", "--restore"], { stdin: bad });
  assertEquals(result.code, 65);
  assertMatch(
    result.stderr,
    /^legion: error: Cannot read the recovery phrase: unknown word or bad checksum\n/,
  );
  assertEquals(await exists(join(home, "legion.db")), false);
});

Deno.test("wrong passphrase gives exit 77 and one error line", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  await initIdentity(home, join(dir.path, "phrase.txt"));
  const result = await runLegion(["--home", home, "whoami"], { passphrase: "not the passphrase" });
  assertEquals(result.code, 77);
  assertEquals(result.stderr, "legion: error: Wrong passphrase\n");
  assertEquals(result.stdout, "");
});

Deno.test("a missing identity gives exit 66 with a hint", async () => {
  await using dir = await tempDir();
  const result = await runLegion(["--home", join(dir.path, "nothing"), "whoami"]);
  assertEquals(result.code, 66);
  assertMatch(
    result.stderr,
    /^legion: error: No Legion identity in .*\nlegion: hint: run `legion init` first/,
  );
});

Deno.test("init refuses to overwrite an identity (78) unless --force", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const first = await initIdentity(home, join(dir.path, "p1"));
  const again = await runLegion(["--home", home, "init", "--phrase-out", join(dir.path, "p2")]);
  assertEquals(again.code, 78);
  assertMatch(again.stderr, /already exists/);
  assertEquals(await exists(join(dir.path, "p2")), false, "nothing written on refusal");
  const forced = await runLegion([
    "--home",
    home,
    "init",
    "--force",
    "--phrase-out",
    join(dir.path, "p3"),
  ]);
  assertEquals(forced.code, 0, forced.stderr);
  assert(forced.stdout.trim() !== first.onion, "a new identity replaced the old one");
  const who = await runLegion(["--home", home, "--json", "whoami"]);
  assertEquals(JSON.parse(who.stdout).onion, forced.stdout.trim());
});

Deno.test("init without a terminal or --phrase-out refuses (2) and creates nothing", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const result = await runLegion(["--home", home, "init"]);
  assertEquals(result.code, 2);
  assertMatch(
    result.stderr,
    /No terminal to show the recovery phrase on\nlegion: hint: use --phrase-out FILE/,
  );
  assertEquals(await exists(join(home, "legion.db")), false);
});

Deno.test("init --show-phrase puts the phrase in the JSON result only when asked", async () => {
  await using dir = await tempDir();
  const result = await runLegion([
    "--home",
    join(dir.path, "h"),
    "--json",
    "init",
    "--show-phrase",
  ]);
  assertEquals(result.code, 0, result.stderr);
  const record = JSON.parse(result.stdout);
  assertEquals(record.phrase.split(" ").length, 24);
  assertEquals(result.stderr, "");
});

Deno.test("passphrase from --passphrase-file and --passphrase-fd", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  await initIdentity(home, join(dir.path, "phrase.txt"));
  const file = join(dir.path, "pass.txt");
  await Deno.writeTextFile(file, TEST_PASSPHRASE + "\n");
  const viaFile = await runLegion(["--home", home, "whoami", "--passphrase-file", file], {
    passphrase: null,
  });
  assertEquals(viaFile.code, 0, viaFile.stderr);
  const viaFd = await runLegion(["--home", home, "--passphrase-fd", "0", "whoami"], {
    passphrase: null,
    stdin: TEST_PASSPHRASE + "\n",
  });
  assertEquals(viaFd.code, 0, viaFd.stderr);
  const none = await runLegion(["--home", home, "whoami"], { passphrase: null });
  assertEquals(none.code, 2);
  assertMatch(none.stderr, /No passphrase given/);
});

Deno.test("the data dir is 0700 and its files 0600", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  await initIdentity(home, join(dir.path, "phrase.txt"));
  await runLegion(["--home", home, "whoami"]);
  assertEquals((await Deno.stat(home)).mode! & 0o777, 0o700);
  for await (const entry of Deno.readDir(home)) {
    assertEquals((await Deno.stat(join(home, entry.name))).mode! & 0o777, 0o600, entry.name);
  }
  assertEquals((await Deno.stat(join(dir.path, "phrase.txt"))).mode! & 0o777, 0o600);
});
