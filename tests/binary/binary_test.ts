/**
 * The single binary (`deno task compile`) works from a directory with no node_modules: libsodium's
 * wasm and every module load from inside it.
 */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { join } from "node:path";
import { tempDir, TEST_PASSPHRASE } from "../support/cli.ts";

const root = new URL("../../", import.meta.url).pathname;

async function exec(binary: string, args: string[], cwd: string) {
  const out = await new Deno.Command(binary, {
    args,
    cwd,
    env: { LEGION_PASSPHRASE: TEST_PASSPHRASE, NO_COLOR: "1", PATH: "/usr/bin:/bin" },
    clearEnv: true,
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("dist/legion runs --version, init, whoami, card export, auth id and listen from an empty directory", async () => {
  const build = await new Deno.Command(Deno.execPath(), { args: ["task", "compile"], cwd: root })
    .output();
  assertEquals(build.code, 0, new TextDecoder().decode(build.stderr));
  await using dir = await tempDir("legion-binary-");
  const binary = join(dir.path, "legion");
  await Deno.copyFile(join(root, "dist", "legion"), binary);
  await Deno.chmod(binary, 0o755);

  const config = JSON.parse(await Deno.readTextFile(join(root, "deno.json")));
  const version = await exec(binary, ["--version"], dir.path);
  assertEquals(version.stdout.trim(), config.version);

  const home = join(dir.path, "home");
  const init = await exec(binary, [
    "--home",
    home,
    "init",
    "--phrase-out",
    join(dir.path, "phrase"),
  ], dir.path);
  assertEquals(init.code, 0, init.stderr);
  assertMatch(init.stdout.trim(), /^[a-z2-7]{56}\.onion$/);

  const who = await exec(binary, ["--home", home, "--json", "whoami"], dir.path);
  assertEquals(who.code, 0, who.stderr);
  assertEquals(JSON.parse(who.stdout).onion, init.stdout.trim());

  // libsignal's native addon is embedded and loads from inside the binary.
  const card = await exec(binary, ["--home", home, "card", "export"], dir.path);
  assertEquals(card.code, 0, card.stderr);
  assertEquals(JSON.parse(card.stdout).onion, init.stdout.trim());
  // The zero-knowledge identity (Poseidon) works too.
  const auth = await exec(binary, ["--home", home, "auth", "id"], dir.path);
  assertEquals(auth.code, 0, auth.stderr);
  assertMatch(auth.stdout.trim(), /^\d{20,78}$/);
  // listen gets past its node lock and signal handling (Deno-only APIs have Bun fallbacks) to tor,
  // which is not there: tor unavailable (69), not an internal error.
  const listen = await exec(
    binary,
    ["--home", home, "listen", "--tor-control", "127.0.0.1:1"],
    dir.path,
  );
  assertEquals(listen.code, 69, listen.stderr);
  assertMatch(listen.stderr, /^legion: error: Cannot reach the Tor control port/m);
});
