import assert from "node:assert/strict";
import { join } from "node:path";
import {
  artifactPaths,
  NullifierStore,
  packProof,
  parseProof,
  unpackProof,
  ZkGroup,
  ZkVerifier,
} from "../../../src/zk/mod.ts";
import { validProof, VECTORS } from "./_vectors.ts";
import { isUserError } from "../../support/user_error.ts";
import { vectorMembers as members } from "../../support/zk.ts";

const reason = (o: ReturnType<ZkVerifier["verify"]>) => o.ok ? "valid" : o.reason;

Deno.test("ZkVerifier spends the nullifier and rejects its replay", async () => {
  const dir = await Deno.makeTempDir({ prefix: "legion-zk-" });
  const nullifiers = NullifierStore.open(join(dir, "spent.db"));
  try {
    const verifier = new ZkVerifier({ group: new ZkGroup(members()), nullifiers });
    assert.equal(reason(verifier.verify(validProof())), "valid");
    assert.equal(nullifiers.isSpent(BigInt(validProof().nullifier as string)), true);
    assert.equal(reason(verifier.verify(validProof())), "nullifier_spent");
  } finally {
    nullifiers.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ZkVerifier does not spend the nullifier of a false proof", async () => {
  const dir = await Deno.makeTempDir({ prefix: "legion-zk-" });
  const nullifiers = NullifierStore.open(join(dir, "spent.db"));
  try {
    const verifier = new ZkVerifier({ group: new ZkGroup(members()), nullifiers });
    const forged = validProof();
    forged.message = "1";
    assert.equal(reason(verifier.verify(forged)), "invalid_proof");
    assert.equal(reason(verifier.verify(validProof())), "valid");
  } finally {
    nullifiers.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ZkVerifier accepts a recent root inside the window and rejects it once stale", () => {
  let now = Date.UTC(2026, 0, 1);
  const group = new ZkGroup(members(), { window: { seconds: 600, roots: 4 } });
  group.add([999n], now);
  const verifier = new ZkVerifier({ group, now: () => now });
  const inside = verifier.verify(validProof());
  assert.equal(inside.ok && inside.root, "recent");
  now += 600_001;
  assert.equal(reason(verifier.verify(validProof())), "stale_root");
});

Deno.test("ZkVerifier rejects a removed member's proof at once, window or not", () => {
  const group = new ZkGroup(members());
  const verifier = new ZkVerifier({ group });
  assert.equal(reason(verifier.verify(validProof())), "valid");
  group.remove(BigInt(VECTORS.group.members[0]), Date.now());
  assert.equal(reason(verifier.verify(validProof())), "unknown_root");
});

Deno.test("ZkVerifier.setGroup() swaps the member list of a warm verifier", () => {
  const verifier = new ZkVerifier({ group: new ZkGroup([1n, 2n]), warm: true });
  assert.equal(reason(verifier.verify(validProof())), "unknown_root");
  verifier.setGroup(new ZkGroup(members()));
  assert.equal(reason(verifier.verify(validProof())), "valid");
});

Deno.test("ZkVerifier reports malformed input as bad_data, never as a rejection", () => {
  const verifier = new ZkVerifier({ group: new ZkGroup(members()) });
  for (const input of ["{", "null", "[]", '{"merkleTreeDepth":20}']) {
    assert.throws(() => verifier.verify(input), (e) => isUserError(e, "bad_data"), input);
  }
});

Deno.test("ZkVerifier accepts a parsed ZkProof, e.g. from the packed binary form", () => {
  const verifier = new ZkVerifier({ group: new ZkGroup(members()) });
  const proof = unpackProof(packProof(parseProof(validProof())));
  assert.equal(reason(verifier.verify(proof)), "valid");
  assert.throws(
    () => verifier.verify({ ...proof, nullifier: -1n }),
    (e) => isUserError(e, "bad_data"),
  );
});

Deno.test("artifactPaths() names a missing artifact folder as a config error", () => {
  assert.throws(
    () => artifactPaths("/nonexistent/legion-artifacts"),
    (e) => isUserError(e, "config") && /semaphore-20\.wasm/.test(e.message),
  );
});
