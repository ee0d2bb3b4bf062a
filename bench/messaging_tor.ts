/**
 * Messaging figures on the private Tor network (`deno task bench:tor`), with real CLI processes:
 * - wall time of one `legion send` through a running node's agent socket (target ≤ 150 ms),
 *   beside `legion send` that unlocks the store itself (Argon2id) for scale;
 * - send → durable ack latency (p50, p90) between two nodes, each with its own tor.
 * Medians over several runs; the machine is shared, so ratios matter more than absolutes.
 */
import { join } from "node:path";
import { startTorNetwork } from "../tests/support/tor_network.ts";
import { startNode } from "../tests/support/node_process.ts";
import { initIdentity, runLegion } from "../tests/support/cli.ts";

const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 15);
const work = await Deno.makeTempDir({ prefix: "legion-bench-tor-" });
const network = await startTorNetwork();
const torrc = join(work, "torrc");
await Deno.writeTextFile(torrc, network.torrcLines);
const [alice, bob] = [join(work, "alice"), join(work, "bob")];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

try {
  await Promise.all([initIdentity(alice, `${alice}.phrase`), initIdentity(bob, `${bob}.phrase`)]);
  for (const [from, to, name] of [[bob, alice, "bob"], [alice, bob, "alice"]]) {
    const card = await runLegion(["--home", from, "card", "export"]);
    await runLegion(["--home", to, "card", "import", "-", "--name", name], { stdin: card.stdout });
  }
  const unlocked: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await runLegion(["--home", alice, "send", "bob", `unlocking ${i}`]);
    unlocked.push(performance.now() - t);
  }
  const bobNode = await startNode(bob, torrc);
  const aliceNode = await startNode(alice, torrc);
  await runLegion(["--home", alice, "queue", "run"], { passphrase: null }); // warm the circuit

  const wall: number[] = [];
  const ack: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const sent = await runLegion(["--home", alice, "--json", "send", "bob", `bench ${i}`], {
      passphrase: null,
    });
    wall.push(performance.now() - t);
    const id = JSON.parse(sent.stdout).id;
    await aliceNode.waitFor((e) => e.type === "delivered" && e.id === id);
    ack.push(performance.now() - t);
  }
  // The single binary (deno task compile), when built: same command, no `deno run` start-up.
  const binary = join(import.meta.dirname!, "..", "dist", "legion");
  const binaryWall: number[] = [];
  if (await Deno.stat(binary).then(() => true, () => false)) {
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const out = await new Deno.Command(binary, {
        args: ["--home", alice, "send", "bob", `binary ${i}`],
        stdout: "null",
        stderr: "null",
      }).output();
      if (out.code === 0) binaryWall.push(performance.now() - t);
    }
  }
  const rows = [
    ["tor network to full consensus", `${network.consensusSeconds.toFixed(1)} s`],
    [
      `legion send via the agent (median of ${RUNS})`,
      `${median(wall).toFixed(0)} ms (target ≤ 150 ms)`,
    ],
    ...(binaryWall.length
      ? [[
        `dist/legion send via the agent (median of ${binaryWall.length})`,
        `${median(binaryWall).toFixed(0)} ms`,
      ]]
      : []),
    ["legion send unlocking itself (median of 3)", `${median(unlocked).toFixed(0)} ms`],
    ["agent / unlocking", `${(median(wall) / median(unlocked)).toFixed(2)}×`],
    [
      `send → ack over Tor, p50 / p90 (${RUNS})`,
      `${pct(ack, 0.5).toFixed(0)} ms / ${pct(ack, 0.9).toFixed(0)} ms`,
    ],
  ];
  console.log("| figure | value |\n|---|---|");
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
  await aliceNode.stop();
  await bobNode.stop();
} finally {
  await network.stop();
  await Deno.remove(work, { recursive: true }).catch(() => {});
}
