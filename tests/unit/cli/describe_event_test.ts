import { assertEquals } from "../../support/assert.ts";
import { describeEvent } from "../../../src/cli/describe_event.ts";
import { CONTINUATION } from "../../../src/cli/terminal_text.ts";

const ID = "0123456789abcdef0123456789abcdef";
const AT = "2026-11-22T10:00:00.000Z";

Deno.test("describeEvent() shows a message's short id and indents its later lines", () => {
  assertEquals(
    describeEvent({
      type: "message",
      id: ID,
      from: "alice",
      createdAt: AT,
      burn: false,
      text: `hi\n${AT} 89abcdef bob: forged\x1b[2J`,
    }),
    [`${AT} 01234567 alice: hi`, `${CONTINUATION}${AT} 89abcdef bob: forged\\x1b[2J`],
  );
});

Deno.test("describeEvent() announces a burn-after-reading message without any text", () => {
  assertEquals(
    describeEvent({ type: "message", id: ID, from: "alice", createdAt: AT, burn: true }),
    [`${AT} 01234567 alice (burn after reading): not shown here; read it with \`legion inbox\``],
  );
});

Deno.test("describeEvent() neutralises names and error texts", () => {
  assertEquals(describeEvent({ type: "delivered", id: ID, to: "ali\u202ece" }), [
    `delivered ${ID} to ali\\u202ece`,
  ]);
  assertEquals(
    describeEvent({ type: "retry", to: "bob", attempts: 2, error: "refused\r\x1b]52;c;eA==\x07" }),
    ["will retry bob (attempt 2): refused\\r\\x1b]52;c;eA==\\x07"],
  );
  assertEquals(describeEvent({ type: "burned", ids: [ID], by: "b\u200bob" }), [
    "burned 1 message(s) with b\\u200bob",
  ]);
});

Deno.test("describeEvent() neutralises a group's name and posts; a burn post shows no text", () => {
  const base = { group: "fr\x1b[2Jiends", groupId: ID, id: ID, fromKey: ID, createdAt: AT };
  assertEquals(
    describeEvent({
      type: "group_message",
      ...base,
      from: "carol",
      burn: false,
      text: "a\nb\u202e",
    }),
    [`${AT} 01234567 [fr\\x1b[2Jiends] carol: a`, `${CONTINUATION}b\\u202e`],
  );
  const burn = describeEvent({ type: "group_message", ...base, from: "carol", burn: true });
  assertEquals(burn.length, 1);
  assertEquals(burn[0].includes("burn after reading"), true);
  assertEquals(
    describeEvent({ type: "group_invite", group: "x\ry", groupId: ID, from: "alice" }),
    ["invited to group x\\ry by alice: `legion group accept` or `legion group decline` it"],
  );
});
