/**
 * A node's memory, measured as `legion listen` runs it (resource bounds):
 *   (a) RSS right after unlock + idle: a real home made by `legion init` (real Argon2id MODERATE,
 *       real vault key file), unlocked with `unlockStore` and opened with `assembleNode` over the
 *       in-memory transport (only the Tor hop is replaced);
 *   (b) RSS after the 1,000th and the 10,000th message received from a peer, and their ratio
 *       (target: flat, within ±10 %).
 * The sending peer runs in the same process (tests/support/messaging.ts), so (b) counts both
 * nodes. With `--v8-flags=--expose-gc` (as `deno task bench:memory` runs it), `gc()` is called every
 * 100 messages: the mitigation for Deno's slow release of libsignal's native handles
 * (docs: /work/shared/notes/libsignal.md); without it the figures show the unmitigated growth.
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
import { messagingNode } from "../tests/support/messaging.ts";

const PASSPHRASE = "memory bench passphrase";
const TOTAL = Number(Deno.env.get("LEGION_BENCH_MESSAGES") ?? 10_000);
const CHECKPOINT = Math.min(1_000, TOTAL);
const BATCH = 50;
const MiB = 1024 * 1024;
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

    const peer = await messagingNode(network, dir, "peer", clock);
    await importCard(peer.node.signal, await node.signal.exportCard({ name: "node" }), {
      now: clock.now,
    });
    await importCard(node.signal, await peer.node.signal.exportCard({ name: "peer" }), {
      now: clock.now,
    });
    const nodeId = peer.node.signal.contact("node").id;
    const text = "m".repeat(256);
    const marks = new Map<number, number>();
    const started = performance.now();
    for (let sent = 0; sent < TOTAL;) {
      for (let i = 0; i < BATCH && sent < TOTAL; i++, sent++) {
        await peer.messenger.sendText("node", `${sent} ${text}`);
      }
      await peer.deliverer.deliverTo(nodeId);
      if (sent % 100 === 0) gc?.();
      if (sent === CHECKPOINT || sent === TOTAL) {
        marks.set(sent, await settle());
        const { heapUsed, external } = Deno.memoryUsage();
        console.log(
          `  message ${sent}: RSS ${fmt(marks.get(sent)!)}, V8 heap ${fmt(heapUsed / MiB)}, ` +
            `external ${fmt(external / MiB)}, ${statusLine()}`,
        );
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const rows = store.db.prepare("SELECT count(*) AS n FROM messages WHERE direction = 'in'")
      .get() as { n: number };
    const first = marks.get(CHECKPOINT)!;
    const last = marks.get(TOTAL)!;
    console.log(
      `received ${Number(rows.n)} messages (${received} events) in ${seconds.toFixed(1)} s ` +
        `(gc ${gc ? "every 100 messages" : "not exposed"})`,
    );
    console.log(`RSS after message ${CHECKPOINT}: ${fmt(first)}`);
    console.log(`RSS after message ${TOTAL}: ${fmt(last)}`);
    console.log(`ratio ${TOTAL}/${CHECKPOINT}: ${(last / first).toFixed(3)}   (target 0.90–1.10)`);

    await listener.close();
    await peer.deliverer.idle();
    node.dispose();
    peer.node.close();
    store.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
