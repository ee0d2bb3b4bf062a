import { assert, assertEquals, assertThrows } from "../../support/assert.ts";
import { countOption, parseDurationOption } from "../../../src/cli/number_option.ts";
import { isLegionError } from "../../../src/errors.ts";

Deno.test("parseDurationOption() reads one syntax, a bare number in the option's unit", () => {
  const wait = { option: "--wait", bare: "s" as const };
  assertEquals(parseDurationOption("2m", wait), 120_000);
  assertEquals(parseDurationOption("90s", wait), 90_000);
  assertEquals(parseDurationOption("5", wait), 5_000);
  const expires = { option: "--expires-in", bare: "d" as const, minMs: 86_400_000 };
  assertEquals(parseDurationOption("30", expires), 30 * 86_400_000);
  assertEquals(parseDurationOption("30d", expires), 30 * 86_400_000);
  assertEquals(parseDurationOption("1h", { option: "--ttl", minMs: 0 }), 3_600_000);
  assertEquals(parseDurationOption("0s", { option: "--ttl", minMs: 0 }), 0);
});

Deno.test("parseDurationOption() refuses bad or out-of-range values as usage errors", () => {
  const cases: Array<[string, Parameters<typeof parseDurationOption>[1]]> = [
    ["0", { option: "--wait", bare: "s" }],
    ["soon", { option: "--wait", bare: "s" }],
    ["-5", { option: "--wait", bare: "s" }],
    ["7", { option: "--ttl", minMs: 0 }],
    ["91d", { option: "--expires-in", bare: "d", minMs: 86_400_000, maxMs: 90 * 86_400_000 }],
    ["12h", { option: "--expires-in", bare: "d", minMs: 86_400_000 }],
  ];
  for (const [text, spec] of cases) {
    const err = assertThrows(() => parseDurationOption(text, spec));
    assert(isLegionError(err, "usage"), text);
    assert((err as Error).message.includes(spec.option), text);
  }
});

Deno.test("countOption() takes whole numbers only", () => {
  const parse = countOption("--window-roots");
  assertEquals(parse("16"), 16);
  for (const text of ["-1", "1.5", "x", ""]) {
    assert(isLegionError(assertThrows(() => parse(text)), "usage"), text);
  }
});
