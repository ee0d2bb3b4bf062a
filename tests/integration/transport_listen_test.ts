/**
 * `legion listen` failure paths that need no Tor network: each exits 69 (or 2 for bad usage) with
 * a one-line error, and leaves no tor running. The tor we point at a dead directory authority
 * stays on 127.0.0.1 — it can never bootstrap, which is the point.
 */
import assert from "node:assert/strict";
import { initIdentity, runLegion } from "../support/cli.ts";
import { freePorts, isAlive } from "../support/tor_network.ts";

const work = { path: await Deno.makeTempDir({ prefix: "legion-listen-it-" }) };
globalThis.addEventListener("unload", () => Deno.removeSync(work.path, { recursive: true }));
const home = `${work.path}/home`;
const identity = initIdentity(home, `${work.path}/phrase.txt`);

/** torrc lines for a test network whose only authority never answers. */
async function deadNetworkTorrc(): Promise<string> {
  const [orPort, dirPort] = freePorts(2);
  const file = `${work.path}/dead-${dirPort}.torrc`;
  await Deno.writeTextFile(
    file,
    [
      "TestingTorNetwork 1",
      "UseDefaultFallbackDirs 0",
      `DirAuthority dead orport=${orPort} v3ident=${"A".repeat(40)} 127.0.0.1:${dirPort} ${
        "B".repeat(40)
      }`,
      "",
    ].join("\n"),
  );
  return file;
}

Deno.test({
  name: "legion listen exits 69 when tor does not bootstrap in time, and stops that tor",
  sanitizeResources: false,
  async fn() {
    await identity;
    const torrc = await deadNetworkTorrc();
    const result = await runLegion([
      "--home",
      home,
      "listen",
      "--torrc-extra",
      torrc,
      "--tor-timeout",
      "4",
    ]);
    assert.equal(result.code, 69, result.stderr);
    assert.match(result.stderr, /legion: error: Tor did not bootstrap in time/);
    assert.match(result.stderr, /legion: hint: /);
    assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
    assert.equal(result.stdout, "");
    const pid = Number((await Deno.readTextFile(`${home}/tor/pid`).catch(() => "0")).trim());
    if (pid > 0) {
      for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(!isAlive(pid), "its tor was stopped");
    }
    const stat = await Deno.stat(`${home}/tor`);
    assert.equal(stat.mode! & 0o777, 0o700, "tor's data dir is private");
  },
});

Deno.test("legion listen exits 69 with a hint when the tor binary is missing", async () => {
  await identity;
  const result = await runLegion([
    "--home",
    home,
    "listen",
    "--tor-bin",
    `${work.path}/no-such-tor`,
  ]);
  assert.equal(result.code, 69, result.stderr);
  assert.match(result.stderr, /legion: error: Cannot run tor: .*no-such-tor not found/);
  assert.match(result.stderr, /legion: hint: install tor/);
});

Deno.test("legion listen exits 69 when the tor to attach to is not there", async () => {
  await identity;
  const [port] = freePorts(1);
  const result = await runLegion(["--home", home, "listen"], {
    env: { LEGION_TOR_CONTROL: `127.0.0.1:${port}` },
  });
  assert.equal(result.code, 69, result.stderr);
  assert.match(result.stderr, /legion: error: Cannot reach the Tor control port 127\.0\.0\.1:/);
});

Deno.test("legion listen warns that --torrc-extra does not apply when attaching", async () => {
  await identity;
  const [port] = freePorts(1);
  const torrc = `${work.path}/ignored.torrc`;
  await Deno.writeTextFile(torrc, "TestingTorNetwork 1\n");
  const result = await runLegion(["--home", home, "listen", "--torrc-extra", torrc], {
    env: { LEGION_TOR_CONTROL: `127.0.0.1:${port}` },
  });
  assert.equal(result.code, 69, result.stderr);
  assert.match(
    result.stderr,
    /legion: warning: --torrc-extra and --tor-bin apply only to a tor Legion starts/,
  );
});

Deno.test("legion listen refuses --tor-socks without --tor-control (usage, exit 2)", async () => {
  await identity;
  const result = await runLegion(["--home", home, "listen", "--tor-socks", "127.0.0.1:9050"]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /--tor-socks needs --tor-control/);
});

Deno.test("legion listen exits 69 and quotes tor's complaint about a bad torrc-extra line", async () => {
  await identity;
  const torrc = `${work.path}/bogus.torrc`;
  await Deno.writeTextFile(torrc, "BogusOption 1\n");
  const result = await runLegion(["--home", home, "listen", "--torrc-extra", torrc]);
  assert.equal(result.code, 69, result.stderr);
  assert.match(result.stderr, /legion: error: Tor failed to start: .*BogusOption/);
});
