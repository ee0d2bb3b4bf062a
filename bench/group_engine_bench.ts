/**
 * The group engine end to end, in process (real ts-mls, real sealed SQLite stores, bytes passed by
 * hand as the memory transport would): an N-member group created, 1 added, 1 removed, one post
 * fanned out — time and bytes per member. With `--members 1000`, only a sample of members run a
 * node (the others are key packages): the per-member figures are the sample's.
 *
 *   deno run --allow-all bench/group_engine_bench.ts [--members N] [--sample K]
 */
import { parseArgs } from "node:util";
import { GroupSim, type SimNode } from "../tests/support/group_sim.ts";
import type { Outgoing } from "../src/group/group_types.ts";
import { groupIdentityFromSeed, makeKeyPackage } from "../src/group/mls_adapter.ts";
import { toHex } from "../src/crypto/hex.ts";
import { loadGroups } from "../src/group/group_store.ts";

interface Phase {
  name: string;
  ownerMs: number;
  memberMs: number[];
  bytes: number[];
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await run();
  return [value, performance.now() - start];
}

/** Delivers each outgoing item to its node (if it runs one); times each recipient. */
async function fanOut(sim: GroupSim, from: SimNode, outgoing: Outgoing[], phase: Phase) {
  const followUps: Array<{ node: SimNode; outgoing: Outgoing[] }> = [];
  for (const o of outgoing) {
    phase.bytes.push(o.bytes.length);
    const to = [...sim.nodes.values()].find((n) => toHex(n.key) === toHex(o.to));
    if (to === undefined) continue;
    const [result, ms] = await timed(() => to.engine.receive(from.key, o.bytes));
    phase.memberMs.push(ms);
    let more = result.outgoing;
    if (result.events.some((e) => e.type === "group_invite")) {
      const accepted = await to.engine.accept(o.groupId);
      more = [...more, ...accepted.outgoing];
    }
    followUps.push({ node: to, outgoing: more });
  }
  // Acks and catch-up requests go back to the owner; it answers (nothing is missing).
  for (const { node, outgoing: more } of followUps) {
    for (const o of more) await from.engine.receive(node.key, o.bytes);
  }
}

function report(members: number, phase: Phase): void {
  const mean = (xs: number[]) => xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
  console.log(
    `${members} members · ${phase.name.padEnd(14)} owner ${
      phase.ownerMs.toFixed(0).padStart(6)
    } ms` +
      ` · per member ${mean(phase.memberMs).toFixed(1).padStart(7)} ms` +
      ` · ${mean(phase.bytes).toFixed(0).padStart(7)} B per member (${phase.bytes.length} sent,` +
      ` ${(phase.bytes.reduce((a, b) => a + b, 0) / 1024).toFixed(0)} KiB in all)`,
  );
}

export async function runEngineBench(members: number, sample: number): Promise<void> {
  const started = performance.now();
  const real = Math.min(sample, members - 1);
  const names = ["owner", ...Array.from({ length: real + 1 }, (_, i) => `m${i}`)];
  await using sim = await GroupSim.make(names);
  const owner = sim.node("owner");
  const newcomer = sim.node(`m${real}`);
  const runners = names.slice(1, real + 1).map((n) => sim.node(n));
  // Members without a node: key packages only.
  const extras = await Promise.all(
    Array.from(
      { length: members - 1 - real },
      (_, i) =>
        groupIdentityFromSeed(
          Uint8Array.from({ length: 32 }, (_, j) => [0xee, i >> 8, i & 255][j] ?? 0),
        ),
    ),
  );
  for (const node of [...runners, newcomer]) sim.befriend("owner", node.name);
  for (const id of extras) owner.contacts.add(toHex(id.publicKey));

  // Create: the owner asks every member for a key package, then adds them all in one commit.
  const create: Phase = { name: "create", ownerMs: 0, memberMs: [], bytes: [] };
  const keys = [...runners.map((n) => n.key), ...extras.map((id) => id.publicKey)];
  const [created, createMs] = await timed(() => owner.engine.create("bench", keys));
  const groupId = created.groupId;
  const packages: Array<{ key: Uint8Array; keyPackage: Uint8Array }> = [];
  for (const node of runners) {
    const request = created.outgoing.find((o) => toHex(o.to) === toHex(node.key))!;
    const answer = await node.engine.receive(owner.key, request.bytes);
    packages.push({ key: node.key, keyPackage: answer.outgoing[0].bytes.subarray(18) });
  }
  for (const id of extras) {
    packages.push({ key: id.publicKey, keyPackage: (await makeKeyPackage(id)).bytes });
  }
  const [bulk, bulkMs] = await timed(() => owner.engine.addKeyPackages(groupId, packages));
  create.ownerMs = createMs + bulkMs;
  await fanOut(sim, owner, bulk.outgoing, create);
  report(members, create);

  // Add 1.
  const add: Phase = { name: "add 1", ownerMs: 0, memberMs: [], bytes: [] };
  const asked = await owner.engine.add(groupId, [newcomer.key]);
  const kp = await newcomer.engine.receive(owner.key, asked.outgoing[0].bytes);
  const [added, addMs] = await timed(() =>
    owner.engine.receive(newcomer.key, kp.outgoing[0].bytes)
  );
  add.ownerMs = addMs;
  await fanOut(sim, owner, added.outgoing, add);
  report(members + 1, add);

  // Remove 1 (a member without a node, or the first runner).
  const remove: Phase = { name: "remove 1", ownerMs: 0, memberMs: [], bytes: [] };
  const leaving = extras[0]?.publicKey ?? runners[0].key;
  const [removed, removeMs] = await timed(() => owner.engine.remove(groupId, [leaving]));
  remove.ownerMs = removeMs;
  await fanOut(sim, owner, removed.outgoing, remove);
  report(members, remove);

  // One 1 KiB post by the owner, fanned out to every member.
  const post: Phase = { name: "post 1 KiB", ownerMs: 0, memberMs: [], bytes: [] };
  const body = crypto.getRandomValues(new Uint8Array(1024));
  const [sent, sendMs] = await timed(() => owner.engine.send(groupId, { body }));
  post.ownerMs = sendMs;
  await fanOut(sim, owner, sent.outgoing, post);
  report(members, post);
  const check = runners.filter((n) => toHex(n.key) !== toHex(leaving))
    .every((n) => n.engine.posts(groupId).length === 1);
  const state = loadGroups(owner.store.db, owner.store.sealer)[0].state.length;
  console.log(
    `${members} members · serialised MLS state ${(state / 1024).toFixed(0)} KiB per member,` +
      " sealed and written after every commit and every post read or sent",
  );
  console.log(
    `${members} members · every running member read the post: ${check} · total ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s (${real + 1} nodes run)`,
  );
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { members: { type: "string", default: "100" }, sample: { type: "string" } },
  });
  const members = Number(values.members);
  await runEngineBench(members, Number(values.sample ?? members));
}
