import { assert, assertEquals, assertThrows } from "../../support/assert.ts";
import { tempDir } from "../../support/cli.ts";
import { assertPrivateHome } from "../../../src/store/home_mode.ts";
import { isLegionError, type LegionError } from "../../../src/errors.ts";

Deno.test("assertPrivateHome() passes 0700 and refuses any group or world bit with a chmod hint", async () => {
  await using dir = await tempDir();
  await Deno.chmod(dir.path, 0o700);
  assertPrivateHome(dir.path);
  assertPrivateHome(`${dir.path}/missing`);
  for (const mode of [0o750, 0o705, 0o710, 0o701, 0o777]) {
    await Deno.chmod(dir.path, mode);
    const err = assertThrows(() => assertPrivateHome(dir.path)) as LegionError;
    assert(isLegionError(err, "config"));
    assertEquals(err.exitCode, 78);
    assertEquals(err.hint, `chmod 700 ${dir.path}`);
  }
  await Deno.chmod(dir.path, 0o700);
});
