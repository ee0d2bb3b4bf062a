import { assert, assertEquals, assertThrows } from "../../support/assert.ts";
import { formatDuration, parseDuration } from "../../../src/cli/duration.ts";
import { isUserError } from "../../support/user_error.ts";

Deno.test("parseDuration() reads every unit", () => {
  assertEquals(parseDuration("90s"), 90_000);
  assertEquals(parseDuration("10m"), 600_000);
  assertEquals(parseDuration("1.5h"), 5_400_000);
  assertEquals(parseDuration("7d"), 604_800_000);
  assertEquals(parseDuration("2w"), 1_209_600_000);
});

Deno.test("parseDuration() refuses anything else as a usage error naming the option", () => {
  for (const text of ["", "7", "d", "-1d", "1y", "1 d x", "soon"]) {
    const err = assertThrows(() => parseDuration(text, "--ttl"));
    assert(isUserError(err, "usage"), text);
    assert((err as Error).message.includes("--ttl"));
  }
});

Deno.test("formatDuration() shows the two largest units", () => {
  assertEquals(formatDuration(0), "0s");
  assertEquals(formatDuration(40_000), "40s");
  assertEquals(formatDuration(725_000), "12m 5s");
  assertEquals(formatDuration(3 * 86_400_000 + 4 * 3_600_000 + 5_000), "3d 4h");
  assertEquals(formatDuration(86_400_000 + 5_000), "1d");
});
