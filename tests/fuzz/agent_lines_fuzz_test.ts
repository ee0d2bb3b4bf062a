/** Fuzzing of the agent protocol's LineSplitter (src/node/agent_protocol.ts; read-only here). */
import { assertEquals } from "../support/assert.ts";
import { LineSplitter, MAX_LINE_BYTES } from "../../src/node/agent_protocol.ts";
import { attempt, bytes, chunk, fc, fuzz } from "./_fuzz.ts";

/** Its documented failure: RangeError("agent line too long"), and nothing else. */
const isTooLong = (err: unknown) =>
  err instanceof RangeError && err.message === "agent line too long";
const encoder = new TextEncoder();

fuzz(
  "LineSplitter returns only non-empty lines without newlines on random bytes",
  fc.property(fc.array(bytes(300), { maxLength: 6 }), (chunks) => {
    const splitter = new LineSplitter();
    const result = attempt(() => chunks.flatMap((c) => splitter.push(c)), isTooLong);
    if ("error" in result) throw new Error("a short input was refused as too long");
    for (const line of result.ok) {
      if (line.length === 0 || line.includes("\n")) {
        throw new Error(`bad line ${JSON.stringify(line)}`);
      }
    }
  }),
);

fuzz(
  "lines round-trip through LineSplitter across any chunking, even inside a UTF-8 character",
  fc.property(
    fc.array(
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }).map((s) =>
        s.replaceAll("\n", " ")
      ),
      { maxLength: 6 },
    ),
    fc.array(fc.nat(), { maxLength: 8 }),
    (lines, cuts) => {
      const splitter = new LineSplitter();
      const data = encoder.encode(lines.map((l) => l + "\n").join(""));
      const out = chunk(data, cuts).flatMap((c) => splitter.push(c));
      assertEquals(out, lines);
    },
  ),
);

Deno.test("LineSplitter refuses an unterminated line past MAX_LINE_BYTES", () => {
  const splitter = new LineSplitter();
  splitter.push(new Uint8Array(MAX_LINE_BYTES).fill(0x61));
  const result = attempt(() => splitter.push(new Uint8Array([0x61])), isTooLong);
  assertEquals("error" in result, true);
});
