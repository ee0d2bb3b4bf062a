/**
 * MLS group costs through the adapter (ts-mls 1.6.4, suite 3): adding one member to a 50-member
 * group (commit and Welcome size, time to commit, to process, to join) and a 1 KiB post.
 *
 * Then the group engine end to end (bench/group_engine_bench.ts): a 100-member group created, 1
 * added, 1 removed, one post fanned out, time and bytes per member; `--thousand` adds the
 * 1,000-member figures (3 members run a node, the rest are key packages).
 *
 *   deno run --allow-all bench/group_bench.ts [--thousand]
 */
import {
  addMembers,
  allowKeys,
  createGroup,
  decryptPost,
  encryptPost,
  groupIdentityFromSeed,
  joinGroup,
  makeKeyPackage,
  type MlsGroup,
  processCommit,
  serializeGroup,
} from "../src/group/mls_adapter.ts";
import { runEngineBench } from "./group_engine_bench.ts";

const MEMBERS = 50;
const POSTS = 50;

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await run();
  return [value, performance.now() - start];
}

async function main(): Promise<void> {
  const ids = await Promise.all(
    Array.from(
      { length: MEMBERS + 1 },
      (_, i) => groupIdentityFromSeed(new Uint8Array(32).fill(i + 1)),
    ),
  );
  const roster = allowKeys(ids.map((id) => id.publicKey));
  const packages = await Promise.all(ids.map((id) => makeKeyPackage(id)));
  const owner0 = await createGroup(new TextEncoder().encode("bench"), packages[0], roster);
  const bulk = await addMembers(owner0, packages.slice(1, MEMBERS).map((kp) => kp.bytes));
  let owner: MlsGroup = bulk.group;
  let member: MlsGroup = await joinGroup(bulk.welcome, packages[1], roster);
  console.log(`group of ${owner.memberKeys().length} members at epoch ${owner.epoch}`);

  const [added, commitMs] = await timed(() => addMembers(owner, [packages[MEMBERS].bytes]));
  owner = added.group;
  const [processed, processMs] = await timed(() => processCommit(member, added.commit));
  member = processed;
  const [, joinMs] = await timed(() => joinGroup(added.welcome, packages[MEMBERS], roster));
  console.log(`add 1 to ${MEMBERS}: commit ${added.commit.length} B in ${commitMs.toFixed(1)} ms`);
  console.log(`  Welcome (with tree) ${added.welcome.length} B`);
  console.log(`  another member processes it in ${processMs.toFixed(1)} ms`);
  console.log(`  the new member joins in ${joinMs.toFixed(1)} ms`);
  console.log(`  serialised state ${serializeGroup(owner).length} B`);

  const body = crypto.getRandomValues(new Uint8Array(1024));
  let encryptMs = 0;
  let decryptMs = 0;
  let size = 0;
  for (let i = 0; i < POSTS; i++) {
    const [sent, e] = await timed(() => encryptPost(owner, body));
    owner = sent.group;
    const [read, d] = await timed(() => decryptPost(member, sent.ciphertext));
    member = read.group;
    encryptMs += e;
    decryptMs += d;
    size = sent.ciphertext.length;
  }
  console.log(
    `1 KiB post: ${size} B, encrypt ${(encryptMs / POSTS).toFixed(2)} ms, decrypt ${
      (decryptMs / POSTS).toFixed(2)
    } ms (mean of ${POSTS})`,
  );
}

// A `deno run` script: `deno bench bench/` (where import.meta.main is false) skips it.
if (import.meta.main) {
  await main();
  await runEngineBench(100, 100);
  if (Deno.args.includes("--thousand")) await runEngineBench(1000, 3);
}
