/**
 * `panic` destroys only a provable Legion home: every refusal exits 78 and leaves the whole tree
 * byte-for-byte as it was (snapshotted before and after), while a genuine home is still wiped.
 * Every run sets HOME to a temporary directory, so even a regression wipes nothing real.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { join } from "node:path";
import { exists, runLegion, type RunResult, tempDir } from "../support/cli.ts";
import { plantThesis, snapshotTree } from "../support/snapshot.ts";

/**
 * The child's environment: HOME points into the test's directory; DENO_DIR stays where it was, so
 * deno does not write its cache under that HOME.
 */
function envFor(userHome: string, extra: Record<string, string> = {}): Record<string, string> {
  const denoDir = Deno.env.get("DENO_DIR") ??
    join(Deno.env.get("HOME") ?? "/root", ".cache", "deno");
  return { HOME: userHome, DENO_DIR: denoDir, ...extra };
}

/** A real Legion home at `home` (init --restore from a fresh phrase, no phrase file). */
async function makeHome(home: string, userHome: string): Promise<void> {
  const { newPhrase } = await import("../../src/crypto/phrase_keys.ts");
  const init = await runLegion(["--home", home, "init", "--restore"], {
    stdin: await newPhrase(),
    env: envFor(userHome),
  });
  assertEquals(init.code, 0, init.stderr);
}

function panic(
  home: string,
  userHome: string,
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<RunResult> {
  return runLegion(["--home", home, "panic", "--yes"], {
    passphrase: null,
    cwd: options.cwd,
    env: envFor(userHome, options.env),
  });
}

/** Runs `attempt`, which must be refused with 78 and one error + hint line, touching nothing. */
async function assertRefusedUntouched(
  root: string,
  attempt: () => Promise<RunResult>,
  message: RegExp,
): Promise<void> {
  const before = await snapshotTree(root);
  const result = await attempt();
  assertEquals(result.code, 78, result.stderr);
  assertMatch(result.stderr, /^legion: error: [^\n]+\nlegion: hint: [^\n]+\n$/);
  assertMatch(result.stderr, message);
  assertEquals(result.stdout, "");
  assertEquals(await snapshotTree(root), before, "the refused command touched nothing");
}

Deno.test("panic refuses a directory that is not a Legion home (with or without a fake legion.db)", async () => {
  await using dir = await tempDir();
  const user = join(dir.path, "user");
  await makeHome(join(dir.path, "home"), user);
  await plantThesis(dir.path);
  const plain = join(dir.path, "notlegion");
  await plantThesis(plain);
  await assertRefusedUntouched(dir.path, () => panic(plain, user), /never writes there/);
  const torOnly = join(dir.path, "toronly");
  await plantThesis(join(torOnly, "tor"));
  await assertRefusedUntouched(dir.path, () => panic(torOnly, user), /no Legion database/);
  const fake = join(dir.path, "fake");
  await plantThesis(fake);
  await Deno.writeFile(join(fake, "legion.db"), new Uint8Array());
  await assertRefusedUntouched(dir.path, () => panic(fake, user), /holds what Legion never writes/);
  const onlyDb = join(dir.path, "onlydb");
  await Deno.mkdir(onlyDb);
  await Deno.writeFile(join(onlyDb, "legion.db"), new Uint8Array());
  await assertRefusedUntouched(dir.path, () => panic(onlyDb, user), /not a Legion database/);
  const otherSqlite = join(dir.path, "othersqlite");
  await Deno.mkdir(otherSqlite);
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(join(otherSqlite, "legion.db"));
  db.exec("PRAGMA journal_mode = WAL; CREATE TABLE thesis (chapter TEXT); PRAGMA user_version = 7");
  db.close();
  await assertRefusedUntouched(
    dir.path,
    () => panic(otherSqlite, user),
    /no vault, identity, meta/,
  );
});

Deno.test("panic refuses ., the user's home, an ancestor of it and an empty --home or LEGION_HOME", async () => {
  await using dir = await tempDir();
  const user = join(dir.path, "user");
  await plantThesis(user);
  // The default home (HOME/.local/share/legion) is genuine: an empty --home must not reach it.
  await makeHome(join(user, ".local", "share", "legion"), user);
  const work = join(dir.path, "work");
  await plantThesis(work);
  await assertRefusedUntouched(
    dir.path,
    () => panic(".", user, { cwd: work }),
    /current directory/,
  );
  await assertRefusedUntouched(dir.path, () => panic(user, user), /home directory/);
  await assertRefusedUntouched(dir.path, () => panic(dir.path, user), /home directory/);
  await assertRefusedUntouched(dir.path, () => panic("", user), /--home is empty/);
  await assertRefusedUntouched(
    dir.path,
    () =>
      runLegion(["panic", "--yes"], { passphrase: null, env: envFor(user, { LEGION_HOME: "" }) }),
    /LEGION_HOME is empty/,
  );
  // `/` is covered by tests/unit/store/home_guard_test.ts: a regression here would wipe the machine.
});

Deno.test("panic refuses a symlinked home, a symlinked tor/ or legion.db, and an unexpected entry", async () => {
  await using dir = await tempDir();
  const user = join(dir.path, "user");
  const home = join(dir.path, "home");
  await makeHome(home, user);
  const link = join(dir.path, "link");
  await Deno.symlink(home, link);
  await assertRefusedUntouched(dir.path, () => panic(link, user), /symbolic link/);

  await plantThesis(home);
  await assertRefusedUntouched(
    dir.path,
    () => panic(home, user),
    /never writes there \(thesis\.txt\)/,
  );
  await Deno.remove(join(home, "thesis.txt"));

  const elsewhere = join(dir.path, "elsewhere");
  await plantThesis(elsewhere);
  await Deno.symlink(elsewhere, join(home, "tor"));
  await assertRefusedUntouched(dir.path, () => panic(home, user), /never writes there \(tor\)/);
  await Deno.remove(join(home, "tor"));

  const other = join(dir.path, "other");
  await makeHome(other, user);
  await Deno.rename(join(home, "legion.db"), join(dir.path, "moved.db"));
  await Deno.symlink(join(other, "legion.db"), join(home, "legion.db"));
  await assertRefusedUntouched(dir.path, () => panic(home, user), /\(legion\.db\)/);
});

Deno.test("panic still wipes a genuine home, unlinks a symlink inside tor/ without following it, and names what it cannot reach", async () => {
  await using dir = await tempDir();
  const user = join(dir.path, "user");
  const home = join(dir.path, "home");
  await makeHome(home, user);
  const neighbour = await plantThesis(dir.path);
  const outside = join(dir.path, "outside");
  const target = await plantThesis(outside);
  await Deno.mkdir(join(home, "tor"));
  await Deno.writeTextFile(join(home, "tor", "torrc"), "SocksPort 0\n");
  await Deno.symlink(outside, join(home, "tor", "link-to-outside"));
  await Deno.symlink(join(outside, "thesis.txt"), join(home, "tor", "link-to-thesis"));

  const result = await runLegion(["--home", home, "--json", "panic", "--yes"], {
    passphrase: null,
    env: envFor(user),
  });
  assertEquals(result.code, 0, result.stderr);
  const record = JSON.parse(result.stdout);
  assertEquals(record.wiped, true);
  assertEquals(record.failures, []);
  assert(record.beyondReach.some((item: string) => /phrase-out/.test(item)), result.stdout);
  assert(record.beyondReach.includes("shell history"));
  assertMatch(result.stderr, /^legion: note: panic cannot reach .*--phrase-out.*shell history\n$/);
  assertEquals(await exists(home), false);
  assertEquals(await Deno.readFile(join(dir.path, "thesis.txt")), neighbour);
  assertEquals(await Deno.readFile(join(outside, "thesis.txt")), target);

  const gone = await panic(home, user);
  assertEquals(gone.code, 0, gone.stderr);
  assertMatch(gone.stdout, /nothing to destroy/);
});
