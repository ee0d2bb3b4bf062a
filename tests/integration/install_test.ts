import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "../support/cli.ts";
import { VERSION } from "../../src/version.ts";

const INSTALL = fileURLToPath(new URL("../../scripts/install.ts", import.meta.url));

Deno.test("deno task install puts a legion command on PATH that resolves paths from the caller's cwd", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "root");
  const installed = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", INSTALL, "--root", root],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(installed.code, 0, new TextDecoder().decode(installed.stderr));
  const cwd = join(dir.path, "elsewhere");
  await Deno.mkdir(cwd);
  const legion = async (...args: string[]) => {
    const out = await new Deno.Command("legion", {
      args,
      cwd,
      env: { PATH: `${join(root, "bin")}:${Deno.env.get("PATH")}`, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const d = new TextDecoder();
    return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
  };
  const version = await legion("--version");
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout.trim(), VERSION);
  assert.equal(version.stderr, "", "nothing echoed");
  const doctor = await legion("--home", "rel-home", "--json", "doctor", "--tor-bin", "/bin/false");
  const home = doctor.stdout.trim().split("\n").map((l) => JSON.parse(l))
    .find((c) => c.name === "home");
  assert.ok(home.detail.startsWith(join(cwd, "rel-home")), home.detail);
});
