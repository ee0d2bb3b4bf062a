/**
 * `deno task bench:auth`: Legion's zero-knowledge auth against the seed's published Halo2 figures.
 *
 * Medians of `--runs N` (default 5) runs: in-process (library) and as fresh `legion` processes,
 * for a member of a 1,000-member group. Prints a Markdown table on stdout; progress on stderr.
 *
 *   deno run -A bench/zk_report.ts [--runs 5] [--json]
 */
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { snarkjsInputs } from "./_snarkjs_reference.ts";
import {
  createProver,
  groupToText,
  loadGroupHasher,
  loadVerificationKey,
  PACKED_POINTS_BYTES,
  PACKED_PROOF_BYTES,
  packProof,
  proofToJson,
  semaphoreValue,
  SNARK_SCALAR_FIELD,
  ZkGroup,
  zkIdentity,
  ZkVerifier,
} from "../src/zk/mod.ts";

// Group trees need Poseidon loaded (zk/group_hash.ts).
await loadGroupHasher();

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "5" }, json: { type: "boolean", default: false } },
});
const RUNS = Math.max(1, Number(values.runs));
const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const SEED = { proveS: 30, verifyMs: 108, proofBytes: 3.2 * 1024 };

const log = (msg: string) => console.error(`bench: ${msg}`);
const loadAtStart = loadavg()[0];
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
async function timed<T>(fn: () => Promise<T> | T): Promise<[number, T]> {
  const t = performance.now();
  const value = await fn();
  return [performance.now() - t, value];
}

// --- fixture ----------------------------------------------------------------------------------
const dir = await Deno.makeTempDir({ prefix: "legion-zk-bench-" });
const secret = crypto.getRandomValues(new Uint8Array(32));
const identity = zkIdentity(secret);
const random = () => {
  let v = 0n;
  for (const b of crypto.getRandomValues(new Uint8Array(32))) v = (v << 8n) | BigInt(b);
  return (v % (SNARK_SCALAR_FIELD - 1n)) + 1n;
};
const members = Array.from({ length: 1000 }, random);
members[500] = identity.commitment;
const [groupMs, group] = await timed(() => {
  const built = new ZkGroup(members);
  built.checkRoot(); // hashes every member: the cost of `group add/show` and of proving
  return built;
});
const groupFile = join(dir, "group.json");
await Deno.writeTextFile(groupFile, groupToText(group));
const request = { scope: semaphoreValue("bench"), message: semaphoreValue("hello") };

// --- in-process prove -------------------------------------------------------------------------
log(`in-process prove ×${RUNS} (+1 cold)…`);
const prover = createProver();
const [coldProveMs, firstProof] = await timed(() => prover.prove(identity, group, request));
const proveMs: number[] = [];
for (let i = 0; i < RUNS; i++) {
  proveMs.push((await timed(() => prover.prove(identity, group, request)))[0]);
}
await prover.close();

// --- in-process verify ------------------------------------------------------------------------
const proofText = JSON.stringify(proofToJson(firstProof));
const [vkLoadMs, vk] = await timed(() => loadVerificationKey());
log("in-process verify…");
const coldVerifyMs: number[] = [];
for (let i = 0; i < Math.max(RUNS, 10); i++) {
  const [ms, outcome] = await timed(() =>
    new ZkVerifier({ group, verificationKey: vk }).verify(proofText)
  );
  if (!outcome.ok) throw new Error("bench proof did not verify");
  coldVerifyMs.push(ms);
}
const [warmSetupMs, warm] = await timed(() =>
  new ZkVerifier({ group, verificationKey: vk, warm: true })
);
warm.verify(proofText);
const warmVerifyMs: number[] = [];
const WARM_N = Math.max(RUNS * 10, 50);
const warmStart = performance.now();
for (let i = 0; i < WARM_N; i++) warmVerifyMs.push((await timed(() => warm.verify(proofText)))[0]);
const warmPerSecond = WARM_N / ((performance.now() - warmStart) / 1000);

log("snarkjs verify (reference)…");
const { groth16 } = await import("snarkjs");
const { proof: snarkProof, signals } = snarkjsInputs(firstProof);
await groth16.verify(vk as never, signals as never, snarkProof as never);
const snarkjsVerifyMs: number[] = [];
for (let i = 0; i < Math.max(RUNS, 10); i++) {
  snarkjsVerifyMs.push(
    (await timed(() => groth16.verify(vk as never, signals as never, snarkProof as never)))[0],
  );
}
await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();

// --- fresh processes --------------------------------------------------------------------------
const phraseFile = join(dir, "phrase.txt");
await run(["auth", "new", "--phrase-out", phraseFile]);
const cliId = (await run(["auth", "id", "--phrase-file", phraseFile])).trim();
await run(["auth", "group", "add", groupFile, cliId]);
log(`fresh-process prove ×${RUNS}…`);
const cliProveMs: number[] = [];
let cliProof = "";
for (let i = 0; i < RUNS; i++) {
  const [ms, out] = await timed(() =>
    run([
      "auth",
      "prove",
      "--group",
      groupFile,
      "--scope",
      `bench-${i}`,
      "--phrase-file",
      phraseFile,
    ])
  );
  cliProveMs.push(ms);
  cliProof = out;
}
const proofFile = join(dir, "proof.json");
await Deno.writeTextFile(proofFile, cliProof);
log(`fresh-process verify ×${RUNS}…`);
const cliVerifyMs: number[] = [];
const cliVerifyDbMs: number[] = [];
const cliHelpMs: number[] = [];
for (let i = 0; i < RUNS; i++) {
  cliVerifyMs.push(
    (await timed(() => run(["auth", "verify", "--group", groupFile, proofFile])))[0],
  );
  const db = join(dir, `spent-${i}.db`);
  cliVerifyDbMs.push(
    (await timed(() =>
      run(["auth", "verify", "--group", groupFile, "--nullifiers", db, proofFile])
    ))[0],
  );
  cliHelpMs.push((await timed(() => run(["--help"])))[0]);
}
await Deno.remove(dir, { recursive: true });

async function run(args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", MAIN, ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`legion ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

// --- report -----------------------------------------------------------------------------------
const jsonBytes = new TextEncoder().encode(proofText).length;
const figures = {
  runs: RUNS,
  loadAverage: [loadAtStart, loadavg()[0]],
  cores: navigator.hardwareConcurrency,
  groupBuildMs: groupMs,
  vkLoadMs,
  coldProveMs,
  proveMs: median(proveMs),
  cliProveMs: median(cliProveMs),
  verifyColdMs: median(coldVerifyMs),
  verifyWarmMs: median(warmVerifyMs),
  warmSetupMs,
  warmPerSecond,
  snarkjsVerifyMs: median(snarkjsVerifyMs),
  cliVerifyMs: median(cliVerifyMs),
  cliVerifyNullifiersMs: median(cliVerifyDbMs),
  cliHelpMs: median(cliHelpMs),
  min: {
    proveMs: Math.min(...proveMs),
    cliProveMs: Math.min(...cliProveMs),
    verifyColdMs: Math.min(...coldVerifyMs),
    verifyWarmMs: Math.min(...warmVerifyMs),
    cliVerifyMs: Math.min(...cliVerifyMs),
    cliHelpMs: Math.min(...cliHelpMs),
  },
  proofJsonBytes: jsonBytes,
  proofPackedBytes: PACKED_PROOF_BYTES,
  proofPointsBytes: PACKED_POINTS_BYTES,
  packedCheck: packProof(firstProof).length,
};
if (values.json) {
  console.log(JSON.stringify(figures));
  Deno.exit(0);
}
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const m = (ms: number) => `${ms.toFixed(1)} ms`;
const x = (ratio: number) => `${ratio.toFixed(1)}× faster`;
const rows: string[][] = [
  ["setup: 1,000-member group tree", m(groupMs), "", "", ""],
  ["setup: verification key load", m(vkLoadMs), "", "", ""],
  ["prove, first (snarkjs load + curve)", s(coldProveMs), "", "", ""],
  [
    "prove, in-process",
    `${s(figures.proveMs)} (min ${s(figures.min.proveMs)})`,
    "30 s",
    x(SEED.proveS * 1000 / figures.proveMs),
    "≤ 1.2 s",
  ],
  [
    "prove, fresh CLI",
    `${s(figures.cliProveMs)} (min ${s(figures.min.cliProveMs)})`,
    "30 s",
    x(SEED.proveS * 1000 / figures.cliProveMs),
    "≤ 2 s",
  ],
  [
    "verify, in-process (new verifier)",
    `${m(figures.verifyColdMs)} (min ${m(figures.min.verifyColdMs)})`,
    "108 ms",
    x(SEED.verifyMs / figures.verifyColdMs),
    "≤ 25 ms",
  ],
  [
    "verify, warm verifier",
    `${m(figures.verifyWarmMs)} (min ${m(figures.min.verifyWarmMs)})`,
    "108 ms",
    x(SEED.verifyMs / figures.verifyWarmMs),
    "≤ 25 ms",
  ],
  ["warm verifier throughput", `${warmPerSecond.toFixed(0)}/s`, "", "", "≥ 40/s"],
  ["verify, snarkjs (reference)", m(figures.snarkjsVerifyMs), "", "", ""],
  [
    "verify, fresh CLI",
    `${s(figures.cliVerifyMs)} (min ${s(figures.min.cliVerifyMs)})`,
    "108 ms",
    `${(figures.cliVerifyMs / SEED.verifyMs).toFixed(1)}× slower (process start)`,
    "≤ 0.25 s",
  ],
  ["verify, fresh CLI + nullifier DB", s(figures.cliVerifyNullifiersMs), "", "", ""],
  [
    "`legion --help`, fresh CLI (baseline)",
    `${s(figures.cliHelpMs)} (min ${s(figures.min.cliHelpMs)})`,
    "",
    "",
    "",
  ],
  [
    "proof, JSON",
    `${jsonBytes} B`,
    "3.2 KB",
    `${(SEED.proofBytes / jsonBytes).toFixed(1)}× smaller`,
    "",
  ],
  [
    "proof, packed (points + signals)",
    `${PACKED_PROOF_BYTES} B`,
    "3.2 KB",
    `${(SEED.proofBytes / PACKED_PROOF_BYTES).toFixed(1)}× smaller`,
    "",
  ],
  [
    "proof, Groth16 points only",
    `${PACKED_POINTS_BYTES} B`,
    "3.2 KB",
    `${(SEED.proofBytes / PACKED_POINTS_BYTES).toFixed(1)}× smaller`,
    "≤ 256 B",
  ],
];
console.log(
  `Legion auth (Semaphore v4, depth 20, 1,000 members), median of ${RUNS}, ${figures.cores} cores, ` +
    `load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end\n`,
);
console.log("| step | Legion | seed (Halo2 k=12) | ratio | target |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
