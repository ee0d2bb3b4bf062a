/**
 * A node's memory, measured as `legion listen` runs it (resource bounds):
 *   (a) RSS right after unlock + idle: a real home made by `legion init` (real Argon2id MODERATE,
 *       real vault key file), unlocked with `unlockStore` and opened with `assembleNode` over the
 *       in-memory transport (only the Tor hop is replaced);
 *   (b) RSS after the 1,000th and the 10,000th message received from a peer, and their ratio
 *       (target: flat, within ±10 %).
 * The sending peer runs in a process of its own (bench/memory_sender.ts): it encrypts the texts to
 * a file first, then this process feeds each delivery to the node's `receive()` (decrypt, store,
 * commit) and signs its ack, so (b) counts the receiving node alone. `deno task bench:memory` runs
 * it with the V8 flags `legion` runs with (scripts/v8_flags.ts) and no forced GC, as the node runs;
 * with `--v8-flags=--expose-gc` added, `gc()` is called every 100 messages (the worst pause is
 * printed), which `legion listen` does not do.
 * What is left of the growth is Deno's Node-API layer: it never frees ≈48 bytes per libsignal object
 * or callback function it hands to JavaScript (≈25 per message received), GC or not
 * (docs/security.md, "Memory"). LEGION_BENCH_TRACE=N prints V8's committed heap and anonymous/file
 * RSS every N messages.
 *
 * Run: deno task bench:memory   (LEGION_BENCH_MESSAGES=N to change the 10,000; `deno bench` skips it)
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { unlockStore } from "../src/store/open_store.ts";
import { assembleNode } from "../src/node/node.ts";
import { MemoryNetwork } from "../src/transport/memory_transport.ts";
import { importCard } from "../src/store/contacts_import.ts";
import { newPhrase } from "../src/crypto/phrase_keys.ts";
import { receive } from "../src/node/receive.ts";
import { nodeTransportOptions } from "../src/node/transport_identity.ts";
import { signAck } from "../src/protocol/ack.ts";
import { AckStatus, encodeDelivery } from "../src/protocol/delivery.ts";
import { readDeliveries } from "./memory_sender.ts";

const PASSPHRASE = "memory bench passphrase";
const TOTAL = Number(Deno.env.get("LEGION_BENCH_MESSAGES") ?? 10_000);
const CHECKPOINT = Math.min(1_000, TOTAL);
const MiB = 1024 * 1024;
const TRACE = Number(Deno.env.get("LEGION_BENCH_TRACE") ?? 0);
const gc = (globalThis as { gc?: () => void }).gc;

const rss = () => Deno.memoryUsage().rss / MiB;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function settle(): Promise<number> {
  gc?.();
  await sleep(1_000);
  gc?.();
  return rss();
}
const fmt = (mb: number) => `${mb.toFixed(1)} MB`;
/** Anonymous vs file-backed resident memory (Linux), to tell native heap growth from code pages. */
function statusLine(): string {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const kb = (key: string) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))?.[1] ?? 0);
    return `anon ${fmt(kb("RssAnon") / 1024)}, file ${fmt(kb("RssFile") / 1024)}`;
  } catch {
    return "no /proc";
  }
}

// A `deno run` script: `deno bench bench/` (where import.meta.main is false) skips it.
if (import.meta.main) await main();

async function main(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "legion-memory-bench-" });
  try {
    const home = join(dir, "home");
    const main = fileURLToPath(new URL("../main.ts", import.meta.url));
    const init = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--quiet", main, "--home", home, "init", "--restore"],
      env: { LEGION_PASSPHRASE: PASSPHRASE, NO_COLOR: "1" },
      stdin: "piped",
      stdout: "null",
      stderr: "inherit",
    }).spawn();
    const writer = init.stdin.getWriter();
    await writer.write(new TextEncoder().encode(await newPhrase()));
    await writer.close();
    if (!(await init.status).success) throw new Error("legion init failed");

    const start = await settle();
    const unlockStarted = performance.now();
    const store = await unlockStore(home, PASSPHRASE, Date.now());
    const unlockMs = performance.now() - unlockStarted;
    const clock = { now: Date.now() };
    const network = new MemoryNetwork();
    let received = 0;
    const node = assembleNode(store, {
      now: () => clock.now,
      transport: (options) => network.transport(options),
      emit: (event) => {
        if (event.type === "message") received++;
      },
    });
    const listener = await node.listen();
    const unlocked = rss();
    await sleep(3_000);
    const idle = await settle();
    console.log(`process start (libraries loaded, nothing unlocked): ${fmt(start)}`);
    console.log(
      `right after unlock (${(unlockMs / 1000).toFixed(1)} s) + listen: ${fmt(unlocked)}`,
    );
    console.log(`after unlock + 3 s idle:                  ${fmt(idle)}   (target ≤ 150 MB)`);

    // The sender runs in a process of its own: every figure below is this node's alone.
    await Deno.writeTextFile(
      join(dir, "node.card"),
      await node.signal.exportCard({ name: "node" }),
    );
    const sender = fileURLToPath(new URL("./memory_sender.ts", import.meta.url));
    const senderRun = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--quiet", sender, dir, String(TOTAL)],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!senderRun.success) throw new Error("the sending peer failed");
    await importCard(node.signal, await Deno.readTextFile(join(dir, "peer.card")), {
      now: clock.now,
    });
    const contact = node.signal.contact("peer");
    // Read one delivery at a time: the file (≈18 MB at 10,000) is not held in memory.
    using deliveries = await Deno.open(join(dir, "deliveries.bin"));
    // The receive path a node under load runs, per delivery: decrypt, store, commit, sign the ack.
    const identity = nodeTransportOptions(store, node.signal, () => clock.now);
    const marks = new Map<number, number>();
    const started = performance.now();
    let worstGcMs = 0;
    let count = 0;
    for await (const { id, ciphertext } of readDeliveries(deliveries)) {
      const { status, events } = await receive(node.messenger, contact, id, ciphertext);
      if (status !== AckStatus.stored) throw new Error(`message ${count + 1}: status ${status}`);
      for (const event of events) if (event.type === "message") received++;
      const signature = await signAck(identity.options.identity, { id, status, ciphertext });
      encodeDelivery({ kind: "ack", id, status, signature });
      count++;
      if (count % 100 === 0 && gc) {
        const gcStarted = performance.now();
        gc();
        worstGcMs = Math.max(worstGcMs, performance.now() - gcStarted);
      }
      if (TRACE && count % TRACE === 0) {
        const { heapTotal, external } = Deno.memoryUsage();
        console.log(
          `    ${count}: heapTotal ${fmt(heapTotal / MiB)}, ext ${
            fmt(external / MiB)
          }, ${statusLine()}`,
        );
      }
      if (count === CHECKPOINT || count === TOTAL) {
        marks.set(count, await settle());
        const { heapUsed, external } = Deno.memoryUsage();
        console.log(
          `  message ${count}: RSS ${fmt(marks.get(count)!)}, V8 heap ${fmt(heapUsed / MiB)}, ` +
            `external ${fmt(external / MiB)}, ${statusLine()}`,
        );
      }
    }
    identity.wipe();
    const seconds = (performance.now() - started) / 1000;
    const rows = store.db.prepare("SELECT count(*) AS n FROM messages WHERE direction = 'in'")
      .get() as { n: number };
    const first = marks.get(CHECKPOINT)!;
    const last = marks.get(TOTAL)!;
    console.log(
      `received ${Number(rows.n)} messages (${received} events) in ${seconds.toFixed(1)} s ` +
        `(gc ${gc ? `every 100 messages, worst ${worstGcMs.toFixed(1)} ms` : "not exposed"})`,
    );
    console.log(`RSS after message ${CHECKPOINT}: ${fmt(first)}`);
    console.log(`RSS after message ${TOTAL}: ${fmt(last)}`);
    console.log(
      `ratio ${TOTAL}/${CHECKPOINT}: ${(last / first).toFixed(3)}   (target: flat within ±10 %, ` +
        `0.90–1.10)`,
    );
    console.log(
      `growth per message between them: ${
        ((last - first) * 1024 / (TOTAL - CHECKPOINT)).toFixed(2)
      } KB`,
    );

    await listener.close();
    node.dispose();
    store.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
