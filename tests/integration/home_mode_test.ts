/** Every command that opens the store or the agent refuses a data dir open to other users. */
import { assert, assertEquals } from "../support/assert.ts";
import { initIdentity, runLegion, tempDir } from "../support/cli.ts";
import { join } from "node:path";

Deno.test("a group- or world-accessible home is refused with exit 78 and a chmod hint", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  await initIdentity(home, join(dir.path, "phrase.txt"));
  assertEquals((await runLegion(["--home", home, "contacts", "list"])).code, 0);
  await Deno.chmod(home, 0o755);
  for (const args of [["contacts", "list"], ["queue", "list"], ["whoami"], ["listen"]]) {
    const result = await runLegion(["--home", home, ...args]);
    assertEquals(result.code, 78, `${args.join(" ")}: ${result.stderr}`);
    assert(result.stderr.includes("legion: error: The data dir"), result.stderr);
    assert(result.stderr.includes(`legion: hint: chmod 700 ${home}`), result.stderr);
    assertEquals(result.stdout, "");
  }
  assertEquals((await Deno.stat(home)).mode! & 0o777, 0o755, "refused, not silently changed");
});
