/**
 * `init --force` replaces an identity only where panic would destroy one — a provable Legion home
 * with no node running — and erases the old home the way panic does.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { join } from "node:path";
import { exists, initIdentity, runLegion, tempDir } from "../support/cli.ts";
import { plantThesis, snapshotTree } from "../support/snapshot.ts";

function forceInit(home: string, phraseOut: string) {
  return runLegion(["--home", home, "init", "--force", "--phrase-out", phraseOut]);
}

/** `/proc/PID/stat` field 22 (start time in clock ticks), as src/node/processes.ts reads it. */
async function startTime(pid: number): Promise<string> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
}

Deno.test("init --force refuses (78) while a node runs and leaves the old identity intact", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const { onion } = await initIdentity(home, join(dir.path, "p1"));
  const node = new Deno.Command("sleep", { args: ["600"], stdout: "null", stderr: "null" }).spawn();
  try {
    await Deno.writeTextFile(
      join(home, "node.pid"),
      `${node.pid} ${await startTime(node.pid)}\n`,
      { mode: 0o600 },
    );
    const before = await snapshotTree(home);
    const forced = await forceInit(home, join(dir.path, "p2"));
    assertEquals(forced.code, 78, forced.stderr);
    assertMatch(
      forced.stderr,
      new RegExp(
        `^legion: error: A node is running for this data dir \\(process ${node.pid}\\)\n` +
          `legion: hint: stop it first \\(SIGTERM to process ${node.pid}.*legion panic.*\n$`,
      ),
    );
    assertEquals(await exists(join(dir.path, "p2")), false, "no new phrase written");
    assertEquals(await snapshotTree(home), before, "the old identity is untouched");
    const who = await runLegion(["--home", home, "--json", "whoami"]);
    assertEquals(JSON.parse(who.stdout).onion, onion);
  } finally {
    node.kill("SIGKILL");
    await node.status;
  }
});

Deno.test("init --force refuses (78) a directory that is not a Legion home and touches nothing", async () => {
  await using dir = await tempDir();
  const fake = join(dir.path, "fake");
  await plantThesis(fake);
  await Deno.writeFile(join(fake, "legion.db"), new Uint8Array());
  const before = await snapshotTree(dir.path);
  const forced = await forceInit(fake, join(dir.path, "p"));
  assertEquals(forced.code, 78, forced.stderr);
  assertMatch(forced.stderr, /Refusing to destroy .*fake.*\nlegion: hint: /);
  assertEquals(await snapshotTree(dir.path), before);
});

Deno.test("init --force erases the whole old home (tor/ included) through the panic wipe", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const first = await initIdentity(home, join(dir.path, "p1"));
  await Deno.mkdir(join(home, "tor"));
  await Deno.writeTextFile(join(home, "tor", "hs_ed25519_secret_key"), "old onion key");
  const neighbour = await plantThesis(dir.path);
  // A hard link keeps the old key file's blocks readable after the wipe unlinks it.
  const oldKeyFile = await Deno.readFile(join(home, "vault.key"));
  await Deno.link(join(home, "vault.key"), join(dir.path, "old-key-link"));
  const forced = await forceInit(home, join(dir.path, "p2"));
  assertEquals(forced.code, 0, forced.stderr);
  assert(forced.stdout.trim() !== first.onion, "a new identity replaced the old one");
  assertEquals(await exists(join(home, "tor")), false, "the old tor state is gone");
  const names = [...Deno.readDirSync(home)].map((entry) => entry.name).sort();
  assertEquals(names, ["legion.db", "vault.key"]);
  const oldBlocks = await Deno.readFile(join(dir.path, "old-key-link"));
  assertEquals(oldBlocks.length, 32);
  assert(oldBlocks.some((byte, i) => byte !== oldKeyFile[i]), "the old key file was overwritten");
  const newKeyFile = await Deno.readFile(join(home, "vault.key"));
  assert(newKeyFile.some((byte, i) => byte !== oldKeyFile[i]), "the new identity has its own key");
  assertEquals((await Deno.stat(join(home, "vault.key"))).mode! & 0o777, 0o600);
  assertEquals(await Deno.readFile(join(dir.path, "thesis.txt")), neighbour);
  const who = await runLegion(["--home", home, "--json", "whoami"]);
  assertEquals(JSON.parse(who.stdout).onion, forced.stdout.trim());
});
