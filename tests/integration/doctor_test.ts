import assert from "node:assert/strict";
import { join } from "node:path";
import { initIdentity, runLegion, tempDir } from "../support/cli.ts";
import { runChecks } from "../../src/node/doctor.ts";

type Check = { type: string; name: string; ok: boolean; detail: string; hint?: string };

function checks(stdout: string): Map<string, Check> {
  const records = stdout.trim().split("\n").map((line) => JSON.parse(line) as Check);
  for (const record of records) assert.equal(record.type, "check");
  return new Map(records.map((record) => [record.name, record]));
}

async function fakeTor(dir: string, version: string): Promise<string> {
  const path = join(dir, `tor-${version}`);
  await Deno.writeTextFile(path, `#!/bin/sh\necho "Tor version ${version}."\n`);
  await Deno.chmod(path, 0o755);
  return path;
}

Deno.test("legion doctor passes on a fresh home and names each problem with a fix", async (t) => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  await initIdentity(home, join(dir.path, "phrase.txt"));
  const goodTor = await fakeTor(dir.path, "0.4.9.11");
  const doctor = (...args: string[]) =>
    runLegion(["--home", home, "--json", "doctor", "--tor-bin", goodTor, ...args], {
      passphrase: null,
    });

  await t.step("all checks pass: exit 0", async () => {
    const result = await doctor();
    assert.equal(result.code, 0, result.stderr);
    const found = checks(result.stdout);
    assert.deepEqual([...found.keys()], ["tor", "home", "database", "node", "clock"]);
    for (const check of found.values()) assert.ok(check.ok, JSON.stringify(check));
    assert.match(found.get("database")!.detail, /quick_check ok, schema version \d+/);
  });

  await t.step("an old tor, a loose mode and a stale pid file fail: exit 78", async () => {
    await Deno.chmod(join(home, "legion.db"), 0o644);
    await Deno.writeTextFile(join(home, "node.pid"), "999999 12345\n", { mode: 0o600 });
    const result = await runLegion(
      ["--home", home, "--json", "doctor", "--tor-bin", await fakeTor(dir.path, "0.4.7.16")],
      { passphrase: null },
    );
    assert.equal(result.code, 78, result.stderr);
    assert.match(result.stderr, /^legion: error: 3 of 5 checks failed: tor, home, node\n$/);
    const found = checks(result.stdout);
    assert.match(found.get("tor")!.detail, /0\.4\.7\.16, older than 0\.4\.8/);
    assert.match(found.get("home")!.detail, /legion\.db has mode 0644/);
    assert.match(found.get("home")!.hint!, /chmod/);
    assert.equal(found.get("node")!.ok, false);
    assert.ok(found.get("clock")!.ok);
    await Deno.chmod(join(home, "legion.db"), 0o600);
    await Deno.remove(join(home, "node.pid"));
  });

  await t.step("an unreachable --tor-control fails the tor check", async () => {
    const result = await doctor("--tor-control", `unix:${join(dir.path, "no-such.sock")}`);
    assert.equal(result.code, 78);
    const tor = checks(result.stdout).get("tor")!;
    assert.equal(tor.ok, false);
    assert.match(tor.hint!, /ControlPort/);
  });

  await t.step("a clock before 2025 fails", async () => {
    const result = await runChecks({ home, now: Date.UTC(2001, 0, 1), torBin: goodTor });
    const clock = result.find((check) => check.name === "clock")!;
    assert.equal(clock.ok, false);
    assert.match(clock.hint!, /clock/);
  });

  await t.step("a missing home fails with a hint to init", async () => {
    const result = await runLegion(
      ["--home", join(dir.path, "none"), "doctor", "--tor-bin", goodTor],
      { passphrase: null },
    );
    assert.equal(result.code, 78);
    assert.match(result.stdout, /FAIL {2}home .* does not exist\n.*fix: run `legion init`/);
  });
});
