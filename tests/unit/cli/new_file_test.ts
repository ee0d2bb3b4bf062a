import { assert, assertEquals, assertThrows } from "../../support/assert.ts";
import { join } from "node:path";
import { writeNewFile } from "../../../src/cli/new_file.ts";
import { isLegionError } from "../../../src/errors.ts";
import { tempDir } from "../../support/cli.ts";

Deno.test("writeNewFile() creates a 0600 file and refuses to overwrite unless asked", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "out.txt");
  writeNewFile(path, "one\n");
  assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
  const err = assertThrows(() => writeNewFile(path, "two\n", { existsHint: "use --force" }));
  assert(isLegionError(err, "config"));
  assertEquals(await Deno.readTextFile(path), "one\n");
  await Deno.chmod(path, 0o644);
  writeNewFile(path, "three\n", { overwrite: true });
  assertEquals(await Deno.readTextFile(path), "three\n");
  assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600, "replaced files are 0600 too");
});

Deno.test("writeNewFile() never writes to a device, a directory or through a symlink", async () => {
  await using dir = await tempDir();
  const target = join(dir.path, "target");
  await Deno.writeTextFile(target, "keep");
  await Deno.symlink(target, join(dir.path, "link"));
  for (const path of ["/dev/null", dir.path, join(dir.path, "link")]) {
    const err = assertThrows(() => writeNewFile(path, "x", { overwrite: true }), path);
    assert(isLegionError(err, "config"), path);
  }
  assertEquals(await Deno.readTextFile(target), "keep");
  const missing = assertThrows(() => writeNewFile(join(dir.path, "no/such/dir"), "x"));
  assert(isLegionError(missing, "config"));
});
