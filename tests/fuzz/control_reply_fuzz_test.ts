/** Fuzzing of Tor control-port replies (src/transport/control_reply.ts). */
import { assertEquals } from "../support/assert.ts";
import {
  type ControlLine,
  ControlProtocolError,
  type ControlReply,
  ControlReplyParser,
  parseKeyValues,
  quote,
} from "../../src/transport/control_reply.ts";
import { attempt, chunk, fc, fuzz, mutate, mutations } from "./_fuzz.ts";

const isProtocolError = (err: unknown) => err instanceof ControlProtocolError;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Text of one line: no CR or LF. */
const lineText = fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, " "));
const status = fc.integer({ min: 100, max: 999 });

const line: fc.Arbitrary<ControlLine> = fc.oneof(
  fc.record({ status, text: lineText }),
  fc.record({
    status,
    text: lineText,
    data: fc.array(lineText, { maxLength: 4 }).map((l) => l.join("\n")),
  }),
);
const reply: fc.Arbitrary<ControlReply> = fc.tuple(
  fc.array(line, { maxLength: 3 }),
  status,
  lineText,
)
  .map(([lines, final, text]) => ({ status: final, lines: [...lines, { status: final, text }] }));

/** Serialises a reply as Tor would (control-spec §2.3), dot-stuffing data lines. */
function serialise(r: ControlReply): string {
  return r.lines.map((l, i) => {
    if (i === r.lines.length - 1) return `${l.status} ${l.text}\r\n`;
    if (l.data === undefined) return `${l.status}-${l.text}\r\n`;
    const data = l.data === "" ? "" : l.data.split("\n")
      .map((d) => (d.startsWith(".") ? "." + d : d) + "\r\n").join("");
    return `${l.status}+${l.text}\r\n${data}.\r\n`;
  }).join("");
}

function parse(chunks: readonly string[]) {
  const parser = new ControlReplyParser();
  return attempt(() => chunks.flatMap((c) => parser.push(c)), isProtocolError);
}

fuzz(
  "ControlReplyParser throws only ControlProtocolError on random text",
  fc.property(
    fc.array(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: "binary", maxLength: 80 })), {
      maxLength: 5,
    }),
    (chunks) => {
      parse(chunks);
    },
  ),
);

fuzz(
  "mutated replies parse or throw ControlProtocolError",
  fc.property(fc.array(reply, { minLength: 1, maxLength: 3 }), mutations, (replies, edits) => {
    parse([decoder.decode(mutate(encoder.encode(replies.map(serialise).join("")), edits))]);
  }),
);

fuzz(
  "replies round-trip through the parser across any chunking",
  fc.property(
    fc.array(reply, { minLength: 1, maxLength: 3 }),
    fc.array(fc.nat(), { maxLength: 6 }),
    (replies, cuts) => {
      const text = replies.map(serialise).join("");
      // Cut the UTF-16 string directly: the parser is fed text, not bytes.
      const pieces = chunk(Uint8Array.from(text, (_, i) => i & 0xff), cuts).map((p) => p.length);
      const chunks: string[] = [];
      let offset = 0;
      for (const length of pieces) {
        chunks.push(text.slice(offset, offset + length));
        offset += length;
      }
      const result = parse(chunks);
      if (!("ok" in result)) throw new Error("a well-formed reply was refused");
      assertEquals(
        result.ok.map((r) => JSON.parse(JSON.stringify(r))),
        replies.map((r) => JSON.parse(JSON.stringify(r))),
      );
    },
  ),
);

fuzz(
  "parseKeyValues() throws only ControlProtocolError and reads back quoted values",
  fc.property(
    fc.string({ maxLength: 80 }),
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,10}$/),
    fc.string({ maxLength: 40 }).map((s) => s.replace(/\r/g, "")),
    (noise, key, value) => {
      attempt(() => parseKeyValues(noise), isProtocolError);
      assertEquals(parseKeyValues(`${key}=${quote(value)}`)[key], value);
    },
  ),
);
