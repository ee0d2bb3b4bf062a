import { assert, assertEquals, assertThrows } from "../../support/assert.ts";
import { join } from "node:path";
import {
  checkHome,
  HOME_AGENT_SOCKET,
  HOME_DATABASE,
  HOME_PID_FILE,
  isHomeGuardError,
} from "../../../src/store/home_guard.ts";
import { DB_FILE } from "../../../src/cli/paths.ts";
import { AGENT_SOCKET } from "../../../src/node/agent_protocol.ts";
import { PID_FILE } from "../../../src/node/processes.ts";
import { tempDir } from "../../support/cli.ts";

Deno.test("home_guard's layout names are the ones the rest of Legion writes", () => {
  assertEquals(HOME_DATABASE, DB_FILE);
  assertEquals(HOME_AGENT_SOCKET, AGENT_SOCKET);
  assertEquals(HOME_PID_FILE, PID_FILE);
});

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
