/**
 * Keys heal through real nodes (memory transport) on an injected clock: a member whose leaf key is
 * old proposes a fresh one and the owner commits it; the owner makes an empty commit after a quiet
 * day. Everyone still reads every post after each.
 */
import { assert, assertEquals } from "../../support/assert.ts";
import { tempDir } from "../../support/cli.ts";
import { groupNetwork, type Member } from "../../support/group_net.ts";
import { toHex } from "../../../src/crypto/hex.ts";
import { deserializeGroup, leafKeyOf } from "../../../src/group/mls_adapter.ts";
import { loadGroups } from "../../../src/group/group_store.ts";
import { decodeGroupWire } from "../../../src/protocol/group_wire.ts";
import { receiveGroupEnvelope } from "../../../src/node/group_receive.ts";
import { AckStatus } from "../../../src/protocol/delivery.ts";

const DAY = 86_400_000;
const key = (m: Member) => m.node.messenger.signal.ownEd25519;

/** `whose` leaf key as `at`'s stored group has it (hex). */
function leafKey(at: Member, whose: Member): string {
  const { db, sealer } = at.node.messenger.store;
  const group = deserializeGroup(loadGroups(db, sealer)[0].state, () => true);
  return toHex(leafKeyOf(group, key(whose))!);
}

async function trio(dir: string) {
  const net = await groupNetwork(dir, ["alice", "bob", "carol"]);
  const [alice, bob, carol] = net.members;
  await alice.hub.create("crew", ["bob", "carol"]);
  await net.pump();
  for (const m of [bob, carol]) await m.hub.accept("crew");
  await net.pump();
  const epochs = () => net.members.map((m) => m.hub.list()[0].epoch);
  /** Each member posts; every other member must read it. */
  const everyoneReads = async (tag: string) => {
    for (const m of net.members) await m.hub.send("crew", `${tag} from ${m.name}`);
    await net.pump();
    for (const m of net.members) {
      const expected = net.members.filter((o) => o !== m).map((o) => `${tag} from ${o.name}`);
      assertEquals(net.texts(m).filter((t) => t.startsWith(tag)).sort(), expected.sort(), m.name);
    }
  };
  return Object.assign(net, { alice, bob, carol, epochs, everyoneReads });
}

Deno.test("a member's old leaf key is replaced through the owner's commit; everyone still reads", async () => {
  await using dir = await tempDir();
  await using net = await trio(dir.path);
  const { alice, bob, carol, clock } = net;
  // Nothing is due on a fresh group.
  for (const m of net.members) assertEquals(await m.hub.maintain(), [], m.name);
  const before = leafKey(alice, bob);
  const epoch = net.epochs()[0];

  clock.now += 6 * DAY;
  assertEquals(await bob.hub.maintain(), [], "not due before 7 days");
  clock.now += 1 * DAY;
  const start = net.sent.length;
  assertEquals((await bob.hub.maintain()).length, 1, "one proposal, to the owner");
  assertEquals(await bob.hub.maintain(), [], "once per epoch");
  // Carol relaying Bob's proposal as her own is refused, and the owner commits nothing.
  const proposal = net.sent[start];
  const status = await receiveGroupEnvelope(
    alice.node.messenger,
    { publicKey: key(carol) },
    proposal.bytes,
  );
  assertEquals([status, alice.hub.lastRefusal], [AckStatus.rejected, "forged_author"]);
  assertEquals(net.epochs()[0], epoch);
  await net.pump();
  const wire = net.sent.slice(start).map((s) => decodeGroupWire(s.bytes));
  assertEquals(wire.map((w) => w.kind).slice(0, 3), ["proposal", "commit", "commit"]);
  const after = leafKey(alice, bob);
  assert(after !== before, "Bob's leaf key changed");
  assertEquals(leafKey(carol, bob), after, "Carol holds Bob's new leaf key");
  assertEquals(leafKey(bob, bob), after);
  assertEquals(net.epochs(), [epoch + 1, epoch + 1, epoch + 1]);
  await net.everyoneReads("after bob's update");
  // Not due again for another 7 days; Carol's is due now too.
  assertEquals(await bob.hub.maintain(), []);
  const carolBefore = leafKey(bob, carol);
  assertEquals((await carol.hub.maintain()).length, 1);
  await net.pump();
  assert(leafKey(bob, carol) !== carolBefore);
  await net.everyoneReads("after carol's update");
});

Deno.test("the owner commits an empty commit after a quiet day; a proposal it overtakes is made again", async () => {
  await using dir = await tempDir();
  await using net = await trio(dir.path);
  const { alice, bob, clock } = net;
  const epoch = net.epochs()[0];
  clock.now += DAY - 1;
  assertEquals(await alice.hub.maintain(), [], "not a day yet");
  clock.now += 1;
  assertEquals((await alice.hub.maintain()).length, 2, "one commit to each member");
  assertEquals(await alice.hub.maintain(), [], "the commit resets the day");
  await net.pump();
  assertEquals(net.epochs(), [epoch + 1, epoch + 1, epoch + 1]);
  await net.everyoneReads("after the empty commit");

  // Bob proposes in the epoch the owner's next empty commit then leaves behind: void, refused.
  clock.now += 7 * DAY;
  const before = leafKey(alice, bob);
  assertEquals((await bob.hub.maintain()).length, 1);
  assertEquals((await alice.hub.maintain()).length, 2);
  await net.pump();
  assertEquals(leafKey(alice, bob), before, "the stale proposal was not committed");
  assertEquals(net.epochs(), [epoch + 2, epoch + 2, epoch + 2]);
  // In the new epoch Bob proposes again, and this one is committed.
  assertEquals((await bob.hub.maintain()).length, 1);
  await net.pump();
  assert(leafKey(alice, bob) !== before);
  assertEquals(net.epochs(), [epoch + 3, epoch + 3, epoch + 3]);
  await net.everyoneReads("after both");
});
