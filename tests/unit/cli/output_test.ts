import { assertEquals } from "../../support/assert.ts";
import { Output, printError } from "../../../src/cli/output.ts";
import { LegionError } from "../../../src/errors.ts";
import { capturedContext } from "../../support/fake_context.ts";

Deno.test("printError() neutralises peer data quoted in an error and its hint", () => {
  const { ctx, take } = capturedContext({}, "/");
  printError(
    ctx,
    new LegionError("bad_data", 'No contact named "b\u202eob\x1b[2J"\nforged', {
      hint: "try \u200bthis",
    }),
    false,
  );
  assertEquals(
    take().stderr,
    'legion: error: No contact named "b\\u202eob\\x1b[2J" forged\n' +
      "legion: hint: try \\u200bthis\n",
  );
});

Deno.test("Output escapes control and bidi characters in human lines, notes and warnings; JSON stays exact", () => {
  const { ctx, take } = capturedContext({}, "/");
  new Output(ctx, false).result({ type: "x" }, ["a\x1b]52;c;eA==\x07", "b\u2066\nc"]);
  new Output(ctx, false).note("n\x9b");
  new Output(ctx, false).warn("w\x07");
  assertEquals(take(), {
    stdout: "a\\x1b]52;c;eA==\\x07\nb\\u2066\nc\n",
    stderr: "legion: n\\x9b\nlegion: warning: w\\x07\n",
  });
  new Output(ctx, true).result({ type: "x", text: "a\x1b\u202e" }, "ignored");
  assertEquals(JSON.parse(take().stdout).text, "a\x1b\u202e");
});
