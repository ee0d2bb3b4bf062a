import assert from "node:assert/strict";
import { Group } from "@semaphore-protocol/group";
import {
  groupToText,
  loadGroupHasher,
  parseCommitment,
  parseGroupText,
  SNARK_SCALAR_FIELD,
  ZkGroup,
} from "../../../src/zk/mod.ts";
import { isUserError } from "../../support/user_error.ts";

// Group trees need Poseidon loaded (zk/group_hash.ts).
await loadGroupHasher();

const members = [11n, 22n, 33n, 44n, 55n];

Deno.test("ZkGroup roots equal @semaphore-protocol/group's through adds and removals", () => {
  const ours = new ZkGroup();
  const theirs = new Group();
  assert.equal(ours.root, theirs.root);
  ours.add(members, 0);
  theirs.addMembers(members);
  assert.equal(ours.root, theirs.root);
  ours.remove(33n, 0);
  theirs.removeMember(2);
  assert.equal(ours.root, theirs.root);
  ours.add([66n], 0);
  theirs.addMember(66n);
  assert.equal(ours.root, theirs.root);
  const w = ours.witness(44n);
  const m = theirs.generateMerkleProof(3);
  assert.deepEqual([w.root, w.index, w.siblings], [m.root, m.index, m.siblings]);
});

Deno.test("a root replaced by an addition stays accepted for the window's seconds", () => {
  const group = new ZkGroup(members, { window: { seconds: 60, roots: 4 } });
  const old = group.root;
  group.add([66n], 1_000);
  assert.equal(group.rootStatus(group.root, 1_000), "current");
  assert.equal(group.rootStatus(old, 1_000 + 60_000), "recent");
  assert.equal(group.rootStatus(old, 1_000 + 60_001), "stale");
  assert.equal(group.rootStatus(12345n, 0), "unknown");
});

Deno.test("only the window's number of replaced roots stay accepted", () => {
  const group = new ZkGroup([1n], { window: { seconds: 3600, roots: 2 } });
  const roots = [group.root];
  for (const m of [2n, 3n, 4n]) {
    group.add([m], 0);
    roots.push(group.root);
  }
  assert.deepEqual(
    roots.map((r) => group.rootStatus(r, 0)),
    ["stale", "recent", "recent", "current"],
  );
});

Deno.test("removing a member forgets every older root: revocation is immediate", () => {
  const group = new ZkGroup(members);
  const before = group.root;
  group.add([66n], 0);
  const withNew = group.root;
  group.remove(22n, 0);
  assert.equal(group.rootStatus(before, 0), "unknown");
  assert.equal(group.rootStatus(withNew, 0), "unknown");
  assert.equal(group.has(22n), false);
  assert.throws(() => group.witness(22n), (e) => isUserError(e, "proof_rejected"));
  assert.throws(() => group.remove(22n, 0), (e) => isUserError(e, "no_input"));
});

Deno.test("ZkGroup refuses duplicates, zero and values outside the field", () => {
  const group = new ZkGroup(members);
  const bad = (e: unknown) => isUserError(e, "bad_data");
  assert.throws(() => group.add([11n], 0), bad);
  assert.throws(() => group.add([77n, 77n], 0), bad);
  assert.throws(() => group.add([0n], 0), bad);
  assert.throws(() => group.add([SNARK_SCALAR_FIELD], 0), bad);
  assert.throws(() => parseCommitment("012"), bad);
  assert.throws(() => parseCommitment(String(SNARK_SCALAR_FIELD)), bad);
  assert.equal(parseCommitment("12"), 12n);
});

Deno.test("group files round-trip and a hand-edited member list is refused", () => {
  const group = new ZkGroup(members, { window: { seconds: 10, roots: 3 } });
  group.add([66n], Date.UTC(2026, 0, 1));
  group.remove(11n, 0);
  group.add([77n], Date.UTC(2026, 0, 2));
  const text = groupToText(group);
  const again = parseGroupText(text);
  assert.equal(again.root, group.root);
  assert.deepEqual(again.recentRoots, group.recentRoots);
  assert.deepEqual(again.window, group.window);
  assert.equal(groupToText(again), text);
  assert.match(text, /"type": "legion_zk_group"/);
  const legacy = text.replace('"legion_zk_group"', '"legion-zk-group"');
  assert.equal(groupToText(parseGroupText(legacy)), text, "files of the older type still read");

  const edited = JSON.parse(text);
  edited.members[1] = "23";
  assert.throws(() => parseGroupText(JSON.stringify(edited)), (e) => isUserError(e, "bad_data"));
  for (
    const broken of [
      "",
      "[]",
      '{"type":"legion-zk-group"}',
      text.replace('"depth": 20', '"depth": 16'),
    ]
  ) {
    assert.throws(() => parseGroupText(broken), (e) => isUserError(e, "bad_data"));
  }
});
