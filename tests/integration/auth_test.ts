/**
 * `legion auth` end to end through the real CLI: one 1,000-member group and one proof shared by
 * the negative tests (each mutates a copy), a few fresh proving runs only where a new proof is
 * the point of the test.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Group } from "@semaphore-protocol/group";
import { Identity } from "@semaphore-protocol/identity";
import { generateProof, verifyProof } from "@semaphore-protocol/proof";
import { bn254 } from "@noble/curves/bn254.js";
import { deriveKey, parsePhrase, TAG_ZK_IDENTITY } from "../../src/crypto/phrase_keys.ts";
import { artifactPaths, loadGroupHasher, SNARK_SCALAR_FIELD } from "../../src/zk/mod.ts";
import { initIdentity, runLegion, type RunResult } from "../support/cli.ts";

// Group trees need Poseidon loaded (zk/group_hash.ts).
await loadGroupHasher();

const GROUP_SIZE = 1000;
const MEMBER_INDEX = 500;
const dir = await Deno.makeTempDir({ prefix: "legion-auth-" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const at = (name: string) => join(dir, name);

function ok(result: RunResult, what: string): string {
  assert.equal(result.code, 0, `${what} failed (${result.code}): ${result.stderr}`);
  return result.stdout.trim();
}

function randomCommitment(): bigint {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return (value % (SNARK_SCALAR_FIELD - 1n)) + 1n;
}

// --- shared fixture: a member, an outsider, a 1,000-member group file, one proof -------------
const memberPhrase = at("member-phrase.txt");
const outsiderPhrase = at("outsider-phrase.txt");
const member = ok(await runLegion(["auth", "new", "--phrase-out", memberPhrase]), "auth new");
const outsider = ok(await runLegion(["auth", "new", "--phrase-out", outsiderPhrase]), "auth new");
const commitments = Array.from({ length: GROUP_SIZE }, randomCommitment).map(String);
commitments[MEMBER_INDEX] = member;
const GROUP = at("group.json");
ok(await runLegion(["auth", "group", "create", GROUP]), "group create");
ok(await runLegion(["auth", "group", "add", GROUP, ...commitments]), "group add");
const PROOF = at("proof.json");
const proveResult = await runLegion([
  "auth",
  "prove",
  "--group",
  GROUP,
  "--scope",
  "vote-1",
  "--message",
  "yes",
  "--phrase-file",
  memberPhrase,
  "-o",
  PROOF,
]);
ok(proveResult, "auth prove");
const proofJson = JSON.parse(await Deno.readTextFile(PROOF));

type ProofJson = typeof proofJson;
let copies = 0;
/** Writes a mutated copy of the shared proof and returns its path. */
async function mutated(mutate: (p: ProofJson) => void): Promise<string> {
  const copy = structuredClone(proofJson);
  mutate(copy);
  const path = at(`proof-${++copies}.json`);
  await Deno.writeTextFile(path, JSON.stringify(copy));
  return path;
}
/** A copy of the group file, optionally edited as JSON. */
async function groupCopy(edit?: (g: Record<string, unknown>) => void): Promise<string> {
  const group = JSON.parse(await Deno.readTextFile(GROUP));
  edit?.(group);
  const path = at(`group-${++copies}.json`);
  await Deno.writeTextFile(path, JSON.stringify(group));
  return path;
}
const verify = (proof: string, ...extra: string[]) =>
  runLegion(["auth", "verify", "--group", GROUP, proof, ...extra]);
function rejected(result: RunResult, reason: RegExp): void {
  assert.equal(result.code, 77, `expected 77, got ${result.code}: ${result.stderr}`);
  assert.match(result.stderr, reason);
  assert.doesNotMatch(result.stderr, /\n\s+at /); // no stack trace
}
function malformed(result: RunResult, reason: RegExp): void {
  assert.equal(result.code, 65, `expected 65, got ${result.code}: ${result.stderr}`);
  assert.match(result.stderr, reason);
}
const neg = (s: string) =>
  String(
    BigInt("21888242871839275222246405745257275088696311157297823662689037894645226208583") -
      BigInt(s),
  );

// --- positive --------------------------------------------------------------------------------
Deno.test("a member of a 1,000-member group proves, and a verifier with only the group file accepts", async () => {
  assert.match(proveResult.stderr, /proving membership of a group of 1000/);
  assert.equal(proveResult.stdout, "");
  assert.equal(proofJson.merkleTreeDepth, 20);
  const show = JSON.parse(ok(await runLegion(["--json", "auth", "group", "show", GROUP]), "show"));
  assert.equal(show.members, GROUP_SIZE);
  assert.equal(proofJson.merkleTreeRoot, show.root);

  const result = await runLegion([
    "--json",
    "auth",
    "verify",
    "--group",
    GROUP,
    "--scope",
    "vote-1",
    "--message",
    "yes",
    PROOF,
  ]);
  const record = JSON.parse(ok(result, "verify"));
  assert.equal(record.type, "zk_verified");
  assert.equal(record.rootStatus, "current");
  assert.equal(record.scopeText, "vote-1");
  assert.equal(record.messageText, "yes");
  assert.equal(record.nullifier, proofJson.nullifier);
});

Deno.test("auth verify reads the proof from stdin", async () => {
  const result = await runLegion(["auth", "verify", "--group", GROUP], {
    stdin: await Deno.readTextFile(PROOF),
  });
  assert.match(ok(result, "verify -"), /^valid: a member of the group/);
});

Deno.test("auth prove binds a message read from stdin, checked with --message-file", async () => {
  const body = "a deposit body that is longer than thirty-one bytes\n";
  await Deno.writeTextFile(at("body.txt"), body);
  const proof = ok(
    await runLegion(
      [
        "auth",
        "prove",
        "--group",
        GROUP,
        "--scope",
        "s",
        "--message",
        "-",
        "--phrase-file",
        memberPhrase,
      ],
      { stdin: body },
    ),
    "prove --message -",
  );
  await Deno.writeTextFile(at("stdin-proof.json"), proof);
  ok(await verify(at("stdin-proof.json"), "--message-file", at("body.txt")), "verify");
  // Text over 31 bytes is bound by its SHA-256 too, so the same text on the command line matches.
  ok(await verify(at("stdin-proof.json"), "--message", body), "verify --message (long text)");
  rejected(await verify(at("stdin-proof.json"), "--message", "yes"), /message is not the expected/);
});

Deno.test("auth id gives the same commitment from the data dir as from its recovery phrase", async () => {
  const home = at("home");
  await initIdentity(home, at("init-phrase.txt"));
  const fromStore = ok(await runLegion(["--home", home, "auth", "id"]), "auth id");
  const fromPhrase = ok(
    await runLegion(["auth", "id", "--phrase-file", at("init-phrase.txt")]),
    "id",
  );
  assert.match(fromStore, /^[1-9][0-9]+$/);
  assert.equal(fromStore, fromPhrase);
  const json = JSON.parse(
    ok(await runLegion(["--home", home, "--json", "auth", "id"]), "id --json"),
  );
  assert.deepEqual(json, { type: "zk_identity", commitment: fromStore });
});

// --- compatibility with @semaphore-protocol/proof -----------------------------------------------
Deno.test("a proof from `legion auth prove` verifies with Semaphore's verifyProof", async () => {
  try {
    assert.equal(await verifyProof(proofJson), true);
  } finally {
    await terminateSnarkjs();
  }
});

Deno.test("a proof from Semaphore's generateProof verifies with `legion auth verify`", async () => {
  const secret = deriveKey(parsePhrase(await Deno.readTextFile(memberPhrase)), TAG_ZK_IDENTITY);
  const identity = new Identity(secret);
  assert.equal(String(identity.commitment), member);
  const { wasm, zkey } = artifactPaths();
  let proof;
  try {
    proof = await generateProof(identity, new Group(commitments.map(BigInt)), "hi", "poll", 20, {
      wasm,
      zkey,
    });
  } finally {
    await terminateSnarkjs();
  }
  await Deno.writeTextFile(at("semaphore-proof.json"), JSON.stringify(proof));
  ok(await verify(at("semaphore-proof.json"), "--scope", "poll", "--message", "hi"), "verify");
});

Deno.test("a Semaphore proof at the depth generateProof picks by default (10 for 1,000) verifies too", async () => {
  const secret = deriveKey(parsePhrase(await Deno.readTextFile(memberPhrase)), TAG_ZK_IDENTITY);
  const group = new Group(commitments.map(BigInt));
  assert.equal(group.depth, 10);
  const artifact = (ext: string) =>
    fileURLToPath(import.meta.resolve(`@zk-kit/semaphore-artifacts/semaphore-10.${ext}`));
  let proof;
  try {
    proof = await generateProof(new Identity(secret), group, "hi", "poll", undefined, {
      wasm: artifact("wasm"),
      zkey: artifact("zkey"),
    });
  } finally {
    await terminateSnarkjs();
  }
  assert.equal(proof.merkleTreeDepth, 10);
  await Deno.writeTextFile(at("semaphore-proof-10.json"), JSON.stringify(proof));
  ok(await verify(at("semaphore-proof-10.json"), "--scope", "poll"), "verify depth 10");
  const lied = await mutated((p) => Object.assign(p, { ...proof, merkleTreeDepth: 20 }));
  rejected(await verify(lied), /proof does not verify/);
});

async function terminateSnarkjs(): Promise<void> {
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
}

// --- negative: each its own test and exit code ---------------------------------------------------
Deno.test("auth prove refuses a non-member (77)", async () => {
  const result = await runLegion([
    "auth",
    "prove",
    "--group",
    GROUP,
    "--scope",
    "vote-1",
    "--phrase-file",
    outsiderPhrase,
  ]);
  rejected(result, /not a member of the group/);
  assert.equal(result.stdout, "");
});

Deno.test("a non-member's proof for a group of their own making is rejected: unknown root (77)", async () => {
  const forged = await groupCopy();
  ok(await runLegion(["auth", "group", "add", forged, outsider]), "add outsider to own copy");
  const proof = ok(
    await runLegion([
      "auth",
      "prove",
      "--group",
      forged,
      "--scope",
      "vote-1",
      "--phrase-file",
      outsiderPhrase,
    ]),
    "outsider proves against own copy",
  );
  await Deno.writeTextFile(at("outsider-proof.json"), proof);
  rejected(await verify(at("outsider-proof.json")), /root is not one of the group's/);
});

Deno.test("a wrong root is rejected (77)", async () => {
  const path = await mutated((p) => (p.merkleTreeRoot = "1234567890"));
  rejected(await verify(path), /root is not one of the group's/);
});

Deno.test("a stale root outside the time window is rejected (77)", async () => {
  const group = await groupCopy();
  ok(await runLegion(["auth", "group", "add", group, "4242"]), "add");
  ok(await runLegion(["auth", "verify", "--group", group, PROOF]), "recent root inside window");
  const edited = JSON.parse(await Deno.readTextFile(group));
  edited.recentRoots[0].replacedAt = new Date(Date.now() - 2 * 3600_000).toISOString();
  await Deno.writeTextFile(group, JSON.stringify(edited));
  rejected(
    await runLegion(["auth", "verify", "--group", group, PROOF]),
    /older than the group's root window/,
  );
});

Deno.test("a stale root beyond the window's root count is rejected (77)", async () => {
  const group = await groupCopy((g) => ((g.window as { roots: number }).roots = 1));
  ok(await runLegion(["auth", "group", "add", group, "4242"]), "add");
  ok(await runLegion(["auth", "verify", "--group", group, PROOF]), "one replaced root: accepted");
  ok(await runLegion(["auth", "group", "add", group, "4343"]), "add");
  rejected(
    await runLegion(["auth", "verify", "--group", group, PROOF]),
    /older than the group's root window/,
  );
});

Deno.test("a tampered nullifier is rejected (77)", async () => {
  const path = await mutated((p) => (p.nullifier = String(BigInt(p.nullifier) ^ 1n)));
  rejected(await verify(path), /proof does not verify/);
});

Deno.test("a tampered scope is rejected (77)", async () => {
  const path = await mutated((p) => (p.scope = String(BigInt(p.scope) ^ 1n)));
  rejected(await verify(path), /proof does not verify/);
});

Deno.test("a proof for another scope than --scope is rejected (77)", async () => {
  rejected(await verify(PROOF, "--scope", "vote-2"), /scope is not the expected one/);
});

Deno.test("a tampered message is rejected (77)", async () => {
  const path = await mutated((p) => (p.message = String(BigInt(p.message) ^ 1n)));
  rejected(await verify(path), /proof does not verify/);
});

const COORDINATES = ["A.x", "A.y", "B.x.c1", "B.x.c0", "B.y.c1", "B.y.c0", "C.x", "C.y"];
for (const [i, name] of COORDINATES.entries()) {
  Deno.test(`a flipped proof coordinate ${name} is malformed: not on the curve (65)`, async () => {
    const path = await mutated((p) => (p.points[i] = String(BigInt(p.points[i]) ^ 1n)));
    malformed(await verify(path), /is not on the curve/);
  });
}

for (const [name, indices] of [["A", [1]], ["B", [4, 5]], ["C", [7]]] as const) {
  Deno.test(`proof point ${name} replaced by its negation (a valid point) is rejected (77)`, async () => {
    const path = await mutated((p) => indices.forEach((i) => (p.points[i] = neg(p.points[i]))));
    rejected(await verify(path), /proof does not verify/);
  });
}

Deno.test("a point B on the twist but outside the subgroup is malformed (65)", async () => {
  const { Fp2 } = bn254.fields;
  let point;
  for (let x0 = 1n; !point; x0++) {
    const x = Fp2.fromBigTuple([x0, 0n]);
    const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), bn254.G2.Point.CURVE().b);
    try {
      const y = Fp2.sqrt(rhs);
      const candidate = bn254.G2.Point.fromAffine({ x, y });
      if (!candidate.isTorsionFree()) point = { x, y };
    } catch { /* not a square */ }
  }
  const path = await mutated((p) =>
    p.points.splice(2, 4, ...[point.x.c1, point.x.c0, point.y.c1, point.y.c0].map(String))
  );
  malformed(await verify(path), /not in the prime-order subgroup/);
});

Deno.test("a replayed nullifier is rejected (77)", async () => {
  const db = at("spent.db");
  ok(await verify(PROOF, "--nullifiers", db), "first use");
  rejected(await verify(PROOF, "--nullifiers", db), /nullifier was already used/);
});

Deno.test("a removed (revoked) member can no longer prove, and their earlier proof is rejected (77)", async () => {
  const group = await groupCopy();
  ok(await runLegion(["auth", "group", "remove", group, member]), "remove");
  const show = JSON.parse(ok(await runLegion(["--json", "auth", "group", "show", group]), "show"));
  assert.equal(show.members, GROUP_SIZE - 1);
  assert.deepEqual(show.recentRoots, []);
  rejected(
    await runLegion([
      "auth",
      "prove",
      "--group",
      group,
      "--scope",
      "vote-1",
      "--phrase-file",
      memberPhrase,
    ]),
    /not a member of the group/,
  );
  rejected(
    await runLegion(["auth", "verify", "--group", group, PROOF]),
    /root is not one of the group's/,
  );
});

Deno.test("malformed proof JSON is bad data (65)", async () => {
  await Deno.writeTextFile(at("broken.json"), '{"merkleTreeDepth": 20, "points": [');
  malformed(await verify(at("broken.json")), /Cannot parse proof: not JSON/);
  malformed(await verify("-"), /Cannot parse proof/); // empty stdin
  const path = await mutated((p) => delete p.nullifier);
  malformed(await verify(path), /nullifier must be a decimal string/);
});

Deno.test("a malformed group file is bad data (65) and a missing one is missing input (66)", async () => {
  const edited = await groupCopy((g) => ((g.members as string[])[3] = "77"));
  malformed(await runLegion(["auth", "group", "show", edited]), /root does not match the members/);
  const badRoot = await groupCopy((g) => (g.root = "0x12"));
  malformed(
    await runLegion(["auth", "verify", "--group", badRoot, PROOF]),
    /root must be a decimal string/,
  );
  const missing = await runLegion(["auth", "verify", "--group", at("nope.json"), PROOF]);
  assert.equal(missing.code, 66);
});
