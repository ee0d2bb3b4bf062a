/**
 * Fuzzing of inline group attachments (src/protocol/group_attachment.ts): random and mutated
 * bodies only ever throw a PayloadError, and whatever decodes re-encodes to the same bytes (so a
 * body with a wrong SHA-256, a wrong size or trailing bytes is never accepted).
 */
import { assertEquals } from "../support/assert.ts";
import {
  decodeInline,
  encodeInline,
  type InlineAttachment,
  inlineAttachment,
} from "../../src/protocol/group_attachment.ts";
import { isPayloadError } from "../../src/protocol/payload_error.ts";
import { attempt, bytes, fc, fuzz, mutate, mutations, sameBytes } from "./_fuzz.ts";

const attachment: fc.Arbitrary<InlineAttachment> = fc.record({
  kind: fc.constantFrom("file" as const, "image" as const, "voice" as const),
  bytes: fc.uint8Array({ maxLength: 400 }),
  durationMs: fc.integer({ min: 0, max: 0xffffffff }),
  width: fc.integer({ min: 0, max: 0xffffffff }),
  height: fc.integer({ min: 1, max: 0xffffffff }),
  mime: fc.constantFrom("application/octet-stream", "audio/ogg", "image/jpeg", "text/plain"),
  // deno-lint-ignore no-control-regex
  name: fc.string({ maxLength: 60 }).map((n) => n.replace(/[\u0000-\u001f\u007f-\u009f]/g, "_")),
}).map((a) =>
  inlineAttachment({
    ...a,
    durationMs: a.kind === "voice" ? a.durationMs : 0,
    width: a.kind === "image" ? a.width : 0,
    height: a.kind === "image" && a.width > 0 ? a.height : 0,
  })
);

fuzz(
  "decodeInline() round-trips what an honest sender encodes",
  fc.property(attachment, (a) => assertEquals(decodeInline(encodeInline(a)), a)),
);

fuzz(
  "decodeInline() throws only PayloadError on random or mutated bytes; what it accepts re-encodes exactly",
  fc.property(
    fc.oneof(bytes(), fc.tuple(attachment, mutations).map(([a, m]) => mutate(encodeInline(a), m))),
    (input) => {
      const result = attempt(() => decodeInline(input), isPayloadError);
      if ("ok" in result && !sameBytes(encodeInline(result.ok), input)) {
        throw new Error("an accepted attachment is not the encoding of what was decoded");
      }
    },
  ),
);

fuzz(
  "decodeInline() refuses any single flipped byte in the content (the SHA-256 covers it)",
  fc.property(attachment.filter((a) => a.bytes.length > 0), fc.nat(), (a, at) => {
    const encoded = encodeInline(a);
    const i = encoded.length - a.bytes.length + (at % a.bytes.length);
    encoded[i] ^= 0x01;
    const result = attempt(() => decodeInline(encoded), isPayloadError);
    if ("ok" in result) throw new Error("a changed byte was accepted");
  }),
);
