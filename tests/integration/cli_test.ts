import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { runLegion } from "../support/cli.ts";
import { EXIT_CODE_TABLE } from "../../src/errors.ts";
import { VERSION } from "../../src/version.ts";

Deno.test("--version prints deno.json's version", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  assertEquals(VERSION, config.version);
  const result = await runLegion(["--version"]);
  assertEquals(result.code, 0);
  assertEquals(result.stdout.trim(), VERSION);
});

Deno.test("--help lists commands, examples and every exit code", async () => {
  const result = await runLegion(["--help"]);
  assertEquals(result.code, 0);
  for (const word of ["init", "whoami", "Examples:", "Exit codes:"]) {
    assert(result.stdout.includes(word), word);
  }
  for (const [code, meaning] of EXIT_CODE_TABLE) {
    assertMatch(result.stdout, new RegExp(`\\b${code}  ${meaning.replace(/[()]/g, ".")}`));
  }
});

Deno.test("usage errors exit 2 with one legion: error line and no stack trace", async () => {
  for (const args of [["--bogus"], ["frobnicate"], ["--passphrase-fd", "x", "whoami"]]) {
    const result = await runLegion(args);
    assertEquals(result.code, 2, args.join(" "));
    assertMatch(result.stderr, /^legion: error: /);
    assert(!result.stderr.includes("    at "), "no stack trace");
    assertEquals(result.stdout, "");
  }
});

Deno.test("no arguments prints help on stderr and exits 2", async () => {
  const result = await runLegion([]);
  assertEquals(result.code, 2);
  assertEquals(result.stdout, "");
  assertMatch(result.stderr, /Usage: legion/);
});

Deno.test("a misspelt command or option gets its suggestion as a legion: hint line", async () => {
  const command = await runLegion(["sned"]);
  assertEquals(command.code, 2);
  assertEquals(
    command.stderr,
    "legion: error: unknown command 'sned'\nlegion: hint: did you mean send?\n",
  );
  const option = await runLegion(["whoami", "--jsn"]);
  assertEquals(option.code, 2);
  assertEquals(
    option.stderr,
    "legion: error: unknown option '--jsn'\nlegion: hint: did you mean --json?\n",
  );
});
