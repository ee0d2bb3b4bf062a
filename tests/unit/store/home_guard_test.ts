import { assert, assertEquals, assertThrows } from "../../support/assert.ts";
import { join } from "node:path";
import { checkHome, isHomeGuardError } from "../../../src/store/home_guard.ts";
import { tempDir } from "../../support/cli.ts";

Deno.test("checkHome() refuses / and tells absent and empty directories apart", async () => {
  await using dir = await tempDir();
  const around = { userHome: join(dir.path, "user"), cwd: join(dir.path, "work") };
  assert(isHomeGuardError(assertThrows(() => checkHome("/", around)), "root"));
  assertEquals(checkHome(join(dir.path, "missing"), around), "absent");
  await Deno.mkdir(join(dir.path, "empty"));
  assertEquals(checkHome(join(dir.path, "empty"), around), "empty");
});

Deno.test("checkHome() treats only whole path components as ancestors", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "user"));
  await Deno.mkdir(join(dir.path, "us"));
  const around = { userHome: join(dir.path, "user"), cwd: "/" };
  // "…/us" is a prefix of "…/user" as a string, not its ancestor: empty, so nothing to destroy.
  assertEquals(
    checkHome(join(dir.path, "us"), { ...around, cwd: join(dir.path, "user") }),
    "empty",
  );
  const err = assertThrows(() => checkHome(dir.path, around));
  assert(isHomeGuardError(err, "user_home"), String(err));
});
