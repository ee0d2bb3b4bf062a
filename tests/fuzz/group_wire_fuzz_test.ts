/** Fuzzing of the group wire formats (src/protocol/group_wire.ts). */
import { assertEquals } from "../support/assert.ts";
import {
  decodeGroupPost,
  decodeGroupWire,
  encodeGroupPost,
  encodeGroupWire,
  type GroupWire,
  isGroupDecodeError,
  ProposalOp,
} from "../../src/protocol/group_wire.ts";
import { attachmentType, PayloadType } from "../../src/protocol/payload.ts";
import { encodeInline, inlineAttachment } from "../../src/protocol/group_attachment.ts";
import { MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS } from "../../src/protocol/timestamp.ts";
import { GroupSim } from "../support/group_sim.ts";
import { attempt, bytes, fc, fuzz, mutate, mutations, sameBytes } from "./_fuzz.ts";

const groupId = fc.uint8Array({ minLength: 16, maxLength: 16 });
const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const mls = fc.uint8Array({ minLength: 1, maxLength: 200 });
const seq = fc.integer({ min: 1, max: 0xffff_ffff });
const name = fc.string({ minLength: 1, maxLength: 20 }).filter((s) =>
  // deno-lint-ignore no-control-regex
  !/[\u0000-\u001f\u007f]/.test(s) && new TextEncoder().encode(s).length <= 64
);

const message: fc.Arbitrary<GroupWire> = fc.oneof(
  fc.record({
    kind: fc.constant("commit" as const),
    groupId,
    seq,
    dissolve: fc.boolean(),
    mls,
  }),
  fc.record({
    kind: fc.constant("commit" as const),
    groupId,
    seq,
    dissolve: fc.boolean(),
    mls,
    proposal: fc.record({ from: key, mls }),
  }),
  fc.record({ kind: fc.constant("welcome" as const), groupId, seq, owner: key, name, mls }),
  fc.record({
    kind: fc.constant("proposal" as const),
    groupId,
    op: fc.constant(ProposalOp.update),
    mls,
  }),
  fc.record({ kind: fc.constant("post" as const), groupId, mls }),
  fc.record({ kind: fc.constant("proposal" as const), groupId, op: fc.constant(ProposalOp.leave) }),
  fc.record({ kind: fc.constant("key_package_request" as const), groupId }),
  fc.record({ kind: fc.constant("key_package" as const), groupId, mls }),
  fc.record({
    kind: fc.constant("commit_request" as const),
    groupId,
    have: fc.integer({ min: 0, max: 0xffff_ffff }),
  }),
);

/** An accepted message must re-encode to exactly the bytes it came from. */
function roundTrips(input: Uint8Array): void {
  const outcome = attempt(() => decodeGroupWire(input), isGroupDecodeError);
  if ("ok" in outcome && !sameBytes(encodeGroupWire(outcome.ok), input)) {
    throw new Error("an accepted group message does not re-encode to its bytes");
  }
}

fuzz(
  "group wire: every message round-trips",
  fc.property(message, (m) => {
    const encoded = encodeGroupWire(m);
    assertEquals(encodeGroupWire(decodeGroupWire(encoded)), encoded);
  }),
);

fuzz(
  "group wire: mutated messages decode or throw a GroupWireError, never anything else",
  fc.property(message, mutations, (m, edits) => roundTrips(mutate(encodeGroupWire(m), edits))),
);

fuzz(
  "group wire: random bytes decode or throw a GroupWireError",
  fc.property(bytes(), (input) => roundTrips(input)),
);

fuzz(
  "group wire: random bodies behind a valid header",
  fc.property(fc.integer({ min: 0, max: 9 }), groupId, bytes(), (kind, id, body) => {
    const input = new Uint8Array(18 + body.length);
    input.set([1, kind]);
    input.set(id, 2);
    input.set(body, 18);
    roundTrips(input);
  }),
);

/** A text with any body, or an attachment whose body is a well-formed inline attachment. */
const typedBody = fc.oneof(
  fc.record({ type: fc.constant(PayloadType.text), body: fc.uint8Array({ maxLength: 300 }) }),
  fc.record({
    kind: fc.constantFrom("file" as const, "image" as const, "voice" as const),
    bytes: fc.uint8Array({ maxLength: 300 }),
    name: fc.string({ maxLength: 40 }).map((n) => n.replace(/\p{Cc}/gu, "_")),
  }).map(({ kind, bytes, name }) => ({
    type: attachmentType(kind),
    body: encodeInline(inlineAttachment({
      kind,
      bytes,
      durationMs: kind === "voice" ? 1_000 : 0,
      width: kind === "image" ? 4 : 0,
      height: kind === "image" ? 3 : 0,
      mime: "application/octet-stream",
      name,
    })),
  })),
);

const post = fc.record({
  author: key,
  payload: fc.record({
    typed: typedBody,
    id: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    createdAt: fc.integer({ min: MIN_TIMESTAMP_MS, max: MAX_TIMESTAMP_MS - 1 }),
    ttlSeconds: fc.integer({ min: 60, max: 30 * 86_400 }),
    burn: fc.boolean(),
  }).map(({ typed, ...rest }) => ({ ...rest, ...typed })),
});

fuzz(
  "group post: round-trips; mutations decode or throw a decode error",
  fc.property(post, mutations, (p, edits) => {
    const encoded = encodeGroupPost(p);
    assertEquals(encodeGroupPost(decodeGroupPost(encoded)), encoded);
    const mutated = mutate(encoded, edits);
    const outcome = attempt(() => decodeGroupPost(mutated), isGroupDecodeError);
    if ("ok" in outcome) new Date(outcome.ok.payload.createdAt).toISOString();
  }),
);

// --- the engine: mutated real messages are refused, never thrown ---

const sim = await GroupSim.make(["A", "B", "C"]);
sim.befriend("A", "B", "C");
const [A, B, C] = ["A", "B", "C"].map((n) => sim.node(n));
const { groupId: gid } = await sim.act(A, (e) => e.create("fuzz", [B.key, C.key]));
await sim.act(A, (e) => e.send(gid, { body: new TextEncoder().encode("hi") }));
await sim.act(C, (e) => e.send(gid, { body: new TextEncoder().encode("yo") }));
const captured = sim.wire.slice();

fuzz(
  "group engine: mutated real messages get a status, never an exception",
  fc.asyncProperty(
    fc.nat({ max: captured.length - 1 }),
    mutations,
    fc.constantFrom(A, B, C),
    async (which, edits, to) => {
      const delivery = captured[which];
      const result = await to.engine.receive(delivery.from, mutate(delivery.bytes, edits));
      if (!["stored", "duplicate", "rejected", "later"].includes(result.status)) {
        throw new Error(`status ${result.status}`);
      }
    },
  ),
  { divisor: 25 },
);

Deno.test({
  name: "group engine fuzz: clean up",
  fn: () => sim[Symbol.asyncDispose](),
  sanitizeResources: false,
  sanitizeOps: false,
});
