import { assert, assertEquals, assertRejects } from "../../support/assert.ts";
import { Readable } from "node:stream";
import { join } from "node:path";
import { readInput, readInputText } from "../../../src/cli/read_input.ts";
import type { Context } from "../../../src/cli/context.ts";
import { isLegionError } from "../../../src/errors.ts";
import { tempDir } from "../../support/cli.ts";

function contextWithStdin(bytes: Uint8Array, isTTY = false): Context {
  const stdin = Object.assign(Readable.from([bytes]), { isTTY });
  return { stdin, env: {}, now: () => 0, cwd: "/", userHome: "/" } as unknown as Context;
}

const input = { limit: 8, what: "message" };

Deno.test("readInput() reads stdin for - and a file by name, within the limit", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "in.txt");
  await Deno.writeTextFile(path, "from file");
  const ctx = contextWithStdin(new TextEncoder().encode("stdin"));
  assertEquals(await readInputText(ctx, "-", input), "stdin");
  assertEquals(await readInputText(ctx, path, { ...input, limit: 64 }), "from file");
  const big = await assertRejects(() => readInput(ctx, path, input));
  assert(isLegionError(big, "bad_data"), "over the limit is bad data");
  const missing = await assertRejects(() => readInput(ctx, join(dir.path, "nope"), input));
  assert(isLegionError(missing, "no_input"));
});

Deno.test("readInputText() refuses invalid UTF-8 instead of storing U+FFFD", async () => {
  const ctx = contextWithStdin(new Uint8Array([0xff, 0xfe, 0x00]));
  const err = await assertRejects(() => readInputText(ctx, undefined, input));
  assert(isLegionError(err, "bad_data"));
});

Deno.test("readInput() on a terminal with nothing named is a usage error with the hint", async () => {
  const ctx = contextWithStdin(new Uint8Array(), true);
  const err = await assertRejects(() =>
    readInput(ctx, undefined, { ...input, ttyHint: "pipe it" })
  );
  assert(isLegionError(err, "usage"));
});
