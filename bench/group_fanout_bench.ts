/**
 * Group envelope fan-out through the transport seams (no MLS: an opaque 1,155-byte envelope, the
 * size of a 1 KiB MLS post), on real SQLite + libsignal over the in-memory transport: one sender,
 * CONTACTS members that are contacts (envelope inside each 1:1 session) and PEERS members that are
 * only group peers (`deliver_group`), one of them offline. Prints enqueue time, delivery time,
 * stored envelope rows and bytes on the wire per member.
 * Run: deno run --allow-all bench/group_fanout_bench.ts [PEERS] [CONTACTS]
 */
import { MemoryNetwork } from "../src/transport/memory_transport.ts";
import { messagingNode } from "../tests/support/messaging.ts";
import { introduce, T0 } from "../tests/support/signal.ts";
import { groupEnvelopeCount, listGroupOutbox } from "../src/store/group_outbox.ts";
import { itemsFor } from "../src/store/outbox.ts";

const PEERS = Number(Deno.args[0] ?? 20);
const CONTACTS = Number(Deno.args[1] ?? 5);
const dir = await Deno.makeTempDir({ prefix: "legion-group-fanout-bench-" });
const network = new MemoryNetwork();
const clock = { now: T0 };
const sender = await messagingNode(network, dir, "sender", clock);
const members = [];
for (let i = 0; i < PEERS + CONTACTS; i++) {
  const member = await messagingNode(network, dir, `m${i}`, clock);
  if (i >= PEERS) await introduce(sender.node, member.node, "sender", `m${i}`);
  members.push(member);
}
const roster = [sender, ...members].map((m) => ({
  publicKey: m.node.signal.ownEd25519,
  onion: m.node.signal.onion,
}));
const groupId = new TextEncoder().encode("bench");
let handled = 0;
for (const node of [sender, ...members]) {
  await node.messenger.groupPeers.setGroupPeers(groupId, roster);
  node.messenger.groupHandler = () => {
    handled++;
    return Promise.resolve("stored");
  };
}
const offline = members[0];
for (const member of members.slice(1)) await member.listen();

const envelope = crypto.getRandomValues(new Uint8Array(1155));
let started = performance.now();
for (const member of members) {
  await sender.messenger.enqueueGroupEnvelope(member.node.signal.ownEd25519, envelope);
}
const enqueueMs = performance.now() - started;
const peerItems = listGroupOutbox(sender.node.db, sender.node.sealer);
const sessionBytes = members.slice(PEERS).map((m) =>
  itemsFor(
    sender.node.db,
    sender.node.sealer,
    sender.node.signal.contactByKey(m.node.signal.ownEd25519)!.id,
    clock.now,
  )[0].ciphertext.length
);
const storedEnvelopes = groupEnvelopeCount(sender.node.db);
started = performance.now();
await sender.deliverer.deliverDue();
const deliverMs = performance.now() - started;
const left = listGroupOutbox(sender.node.db, sender.node.sealer);
console.log(
  JSON.stringify({
    members: PEERS + CONTACTS,
    groupPeers: PEERS,
    contacts: CONTACTS,
    offline: 1,
    enqueueMs: Math.round(enqueueMs),
    enqueueMsPerMember: +(enqueueMs / (PEERS + CONTACTS)).toFixed(2),
    deliverMs: Math.round(deliverMs),
    deliverMsPerMember: +(deliverMs / (PEERS + CONTACTS - 1)).toFixed(2),
    handled,
    storedEnvelopeRows: storedEnvelopes,
    groupOutboxRows: peerItems.length,
    leftQueued: left.length,
    offlineStillQueued: left.length === 1 &&
      left[0].peer.onion === offline.node.signal.onion,
    wireBytesStream: 1 + 16 + envelope.length,
    wireBytesSession: Math.max(...sessionBytes) + 1 + 16,
  }),
);
Deno.exit(0);
