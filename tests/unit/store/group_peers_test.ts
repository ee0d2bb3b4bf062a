/** The group peer registry at rest (migration 8): replace semantics, checks, nothing readable. */
import { assert, assertEquals } from "../../support/assert.ts";
import { newNode } from "../../support/signal.ts";
import { tempDir } from "../../support/cli.ts";
import { GroupPeers } from "../../../src/node/group_peers.ts";
import { listGroupPeers } from "../../../src/store/group_peers.ts";
import { onionAddress } from "../../../src/crypto/onion.ts";
import { toHex } from "../../../src/crypto/hex.ts";

const key = (fill: number) => {
  // Any 32 bytes name an onion; the transport only needs the two to agree.
  const k = new Uint8Array(32).fill(fill);
  return { publicKey: k, onion: `${onionAddress(k)}.onion` };
};

Deno.test("setGroupPeers replaces one group's members, keeps other groups, skips my own key", async () => {
  await using dir = await tempDir();
  const node = await newNode(dir.path, "alice");
  const peers = new GroupPeers(node.store, node.signal.keys.indexKey, node.signal.ownEd25519);
  const g1 = new TextEncoder().encode("g1");
  const g2 = new TextEncoder().encode("g2");
  const own = { publicKey: node.signal.ownEd25519, onion: node.signal.onion };
  await peers.setGroupPeers(g1, [key(1), key(2), own]);
  await peers.setGroupPeers(g2, [key(2)]);
  assertEquals(peers.has(own.publicKey), false);
  assertEquals(peers.groupsOf(key(2).publicKey).map(toHex).sort(), [toHex(g1), toHex(g2)].sort());
  await peers.setGroupPeers(g1, [key(3)]);
  assertEquals([1, 2, 3].map((n) => peers.has(key(n).publicKey)), [false, true, true]);
  assertEquals(peers.peer(key(3).publicKey), key(3));
  assertEquals(listGroupPeers(node.db, node.sealer).length, 2);
  node.close();
});

Deno.test("setGroupPeers refuses a bad key or an onion that is not the key's, and changes nothing", async () => {
  await using dir = await tempDir();
  const node = await newNode(dir.path, "alice");
  const peers = new GroupPeers(node.store, node.signal.keys.indexKey, node.signal.ownEd25519);
  const g = new TextEncoder().encode("g");
  await peers.setGroupPeers(g, [key(1)]);
  for (
    const bad of [{ ...key(2), onion: key(3).onion }, { publicKey: new Uint8Array(31), onion: "" }]
  ) {
    let err: unknown;
    try {
      await peers.setGroupPeers(g, [key(4), bad]);
    } catch (e) {
      err = e;
    }
    assert(err instanceof RangeError);
  }
  assertEquals([1, 4].map((n) => peers.has(key(n).publicKey)), [true, false]);
  node.close();
});

Deno.test("group peers are sealed at rest: no key, onion or group id in the database's bytes", async () => {
  await using dir = await tempDir();
  const node = await newNode(dir.path, "alice");
  const peers = new GroupPeers(node.store, node.signal.keys.indexKey, node.signal.ownEd25519);
  const groupId = new TextEncoder().encode("a-very-recognisable-group-id");
  await peers.setGroupPeers(groupId, [key(0x42)]);
  const rows = node.db.prepare("SELECT group_tag, key_tag, record_sealed FROM group_peers").all();
  const hex = rows.map((row) =>
    Object.values(row as Record<string, Uint8Array>).map((v) =>
      toHex(new Uint8Array(v as Uint8Array))
    ).join("")
  )
    .join("");
  for (const secret of [key(0x42).publicKey, new TextEncoder().encode(key(0x42).onion), groupId]) {
    assert(!hex.includes(toHex(secret)), "found in the clear");
  }
  node.close();
});
