/**
 * Groups at rest, after real use: three in-process nodes (real SQLite files, WAL, libsignal,
 * ts-mls) make a group, post, and leave a post queued for an offline member who is no contact of
 * its author; then every file of every home is scanned for the group's name and id, its members'
 * keys and onions, and the posts' text. Only the Tor hop is in memory.
 */
import { assertEquals } from "../support/assert.ts";
import { join } from "node:path";
import { tempDir } from "../support/cli.ts";
import { fromHex, toHex } from "../../src/crypto/hex.ts";
import { findInFiles, listFiles } from "../support/scan.ts";
import { eventsOf, type MessagingNode, messagingNode } from "../support/messaging.ts";
import { introduce, T0 } from "../support/signal.ts";
import { MemoryNetwork } from "../../src/transport/memory_transport.ts";
import { attachGroups, type GroupHub } from "../../src/node/group_hub.ts";
import { groupOutboxCount } from "../../src/store/group_outbox.ts";
import { outboxCount } from "../../src/store/outbox.ts";
import { onionAddress } from "../../src/crypto/onion.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("no home file holds a group's name or id, a member's key or onion, or a post", async () => {
  await using dir = await tempDir();
  const network = new MemoryNetwork();
  const clock = { now: T0 };
  const homes: Record<string, string> = {};
  const nodes: Record<string, MessagingNode> = {};
  const hubs: Record<string, GroupHub> = {};
  for (const who of ["alice", "bob", "carol"]) {
    homes[who] = join(dir.path, who);
    await Deno.mkdir(homes[who], { mode: 0o700 });
    nodes[who] = await messagingNode(network, homes[who], "legion", clock);
    hubs[who] = await attachGroups(nodes[who].messenger);
  }
  const { alice, bob, carol } = nodes;
  // Bob and Carol are Alice's contacts, not each other's.
  await introduce(alice.node, bob.node, "Alicia Marchbanks", "Bobbington Quill");
  await introduce(alice.node, carol.node, "Alicia Marchbanks", "Carolyn Zephyrine");
  const groupName = "Moonlit Orchard Circle";
  const posts = [
    "the heron flies at dawn over the weir",
    "burn this: the key is under the third stone",
    "carol says the parcel waits at platform nine",
  ];
  const listeners = [await alice.listen(), await bob.listen(), await carol.listen()];
  const pump = async () => {
    for (let pass = 0; pass < 20; pass++) {
      for (const node of Object.values(nodes)) {
        await node.deliverer.deliverDue({ ignoreBackoff: true });
      }
    }
  };
  await hubs.alice.create(groupName, ["Bobbington Quill", "Carolyn Zephyrine"]);
  await pump();
  await hubs.bob.accept(groupName);
  await hubs.carol.accept(groupName);
  await pump();
  await hubs.alice.send(groupName, posts[0]);
  await hubs.bob.send(groupName, posts[1], { burn: true });
  await pump();
  assertEquals(eventsOf(carol, "group_message").length, 2);
  // Bob goes offline: Carol's post to him waits in her group outbox.
  await listeners[1].close();
  await hubs.carol.send(groupName, posts[2]);
  await pump();
  assertEquals(groupOutboxCount(carol.messenger.store.db), 1);
  assertEquals(outboxCount(carol.messenger.store.db), 0, "alice got hers in the session");
  // `queue list` shows it, named by Bob's short onion (he is no contact of Carol's).
  assertEquals(carol.messenger.queueList().map((q) => [q.kind, q.to.endsWith("…onion")]), [[
    "group",
    true,
  ]]);
  for (const listener of [listeners[0], listeners[2]]) await listener.close();

  const groupId = hubs.alice.list()[0].groupId;
  const needles: Record<string, Uint8Array> = {
    "group name": text(groupName),
    "group id hex": text(groupId),
    "group id raw": fromHex(groupId),
  };
  for (const [i, post] of posts.entries()) needles[`post ${i}`] = text(post);
  for (const [who, node] of Object.entries(nodes)) {
    const key = node.messenger.signal.ownEd25519;
    const onion = onionAddress(key);
    needles[`${who} key raw`] = key;
    needles[`${who} key hex`] = text(toHex(key));
    needles[`${who} onion`] = text(onion);
    needles[`${who} onion (first 16)`] = text(onion.slice(0, 16));
  }
  const scan = async (when: string) => {
    for (const [who, home] of Object.entries(homes)) {
      const files = await listFiles(home);
      if (when === "open") assertEquals(files.some((f) => f.endsWith("-wal")), true, who);
      assertEquals(await findInFiles(home, needles), [], `${who}'s home (${when})`);
    }
  };
  await scan("open");
  for (const node of Object.values(nodes)) node.node.close();
  await scan("closed");
});
