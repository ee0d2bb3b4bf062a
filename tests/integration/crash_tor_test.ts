/**
 * Crash safety over the private Tor network, with real CLI nodes: 500 numbered messages go A→B
 * while B's node is killed (SIGKILL) three times at random moments and restarted, and A's node
 * once mid-drain. At the end B holds every number exactly once and A's queue is empty.
 *
 * The 500 messages are queued in this process through the node's own Messenger over A's real
 * store (real SQLite, libsignal and sealing — the same code `legion send` runs), since 500 CLI
 * processes would cost minutes on a loaded machine without testing anything more.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { join } from "node:path";
import { initIdentity, runLegion, TEST_PASSPHRASE } from "../support/cli.ts";
import { sharedTorNetwork, stopSharedTorNetwork } from "../support/tor_network.ts";
import { type NodeProcess, startNode } from "../support/node_process.ts";
import { unlockStore } from "../../src/store/open_store.ts";
import { openHost } from "../../src/node/host.ts";

const COUNT = 500;

const json = (stdout: string) =>
  stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

Deno.test({
  name: "500 messages A→B survive three kill -9 of B and one of A mid-drain: each arrives once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "legion-crash-it-" });
    const network = await sharedTorNetwork();
    const torrc = join(work, "torrc-extra");
    await Deno.writeTextFile(torrc, network.torrcLines);
    const [alice, bob] = [join(work, "alice"), join(work, "bob")];
    const running = new Set<NodeProcess>();
    let kicking = false;
    const start = async (home: string) => {
      const node = await startNode(home, torrc);
      running.add(node);
      return node;
    };
    const kill = async (node: NodeProcess, signal: Deno.Signal = "SIGKILL") => {
      running.delete(node);
      return await node.stop(signal);
    };
    try {
      await Promise.all([alice, bob].map((home) => initIdentity(home, `${home}.phrase`)));
      for (const [from, to, name] of [[bob, alice, "bob"], [alice, bob, "alice"]]) {
        const card = await runLegion(["--home", from, "card", "export"]);
        const imported = await runLegion(["--home", to, "card", "import", "-", "--name", name], {
          stdin: card.stdout,
        });
        assertEquals(imported.code, 0, imported.stderr);
      }
      const store = await unlockStore(alice, TEST_PASSPHRASE, Date.now());
      try {
        const { messenger } = openHost(store, () => Date.now());
        for (let i = 0; i < COUNT; i++) await messenger.sendText("bob", `n${i}`);
      } finally {
        store.close();
      }

      const t0 = performance.now();
      // Kill points, as numbers of messages B has reported so far (over all its runs).
      const random = (low: number, high: number) => low + Math.floor(Math.random() * (high - low));
      const bobKills = [random(30, 120), random(150, 250), random(280, 360)];
      const aliceKill = random(380, 460);
      const bobRuns: NodeProcess[] = [];
      const killedAt: number[] = [];
      const received = () =>
        bobRuns.reduce((n, run) => n + run.events.filter((e) => e.type === "message").length, 0);
      let bobNode = await start(bob);
      bobRuns.push(bobNode);
      let aliceNode = await start(alice);
      const aliceRuns = [aliceNode];
      // After a peer's restart the sender's backoff can reach minutes; like cron would, ask A's
      // node (through its agent) to deliver now, every few seconds, one request at a time.
      kicking = true;
      const kicker = (async () => {
        while (kicking) {
          await runLegion(["--home", alice, "queue", "run", "--timeout", "30s"], {
            passphrase: null,
          });
          await new Promise((resolve) => setTimeout(resolve, 5_000));
        }
      })();
      for (const at of bobKills) {
        await waitUntil(`${at} messages at B`, () => received() >= at, 240_000);
        await kill(bobNode);
        killedAt.push(received());
        bobNode = await start(bob);
        bobRuns.push(bobNode);
      }
      await waitUntil(`${aliceKill} messages at B`, () => received() >= aliceKill, 240_000);
      await kill(aliceNode);
      killedAt.push(received());
      aliceNode = await start(alice);
      aliceRuns.push(aliceNode);
      // B's events undercount when a kill lands between a commit and its event (the redelivery is
      // then acked as a duplicate, silently): near the end, B's inbox (through its agent) decides.
      const inboxCount = async () =>
        json(
          (await runLegion(["--home", bob, "--json", "inbox", "alice"], { passphrase: null }))
            .stdout,
        ).length;
      const allThere = async () =>
        received() >= COUNT || (received() >= COUNT - 20 && await inboxCount() >= COUNT);
      await waitUntil(`${COUNT} messages at B`, allThere, 240_000).catch((err) => {
        const last = aliceNode.events.filter((e) => e.type !== "delivered").slice(-5);
        throw new Error(
          `${err.message}: ${received()} received, kills at ${killedAt}; A's last events ` +
            JSON.stringify(last),
        );
      });
      // The last ack may still be on its way to A: its queue drains through its own node.
      const queued = async () =>
        json(
          (await runLegion(["--home", alice, "--json", "queue", "list"], { passphrase: null }))
            .stdout,
        ).length;
      await waitUntil("A's queue to drain", async () => await queued() === 0, 120_000);
      const seconds = (performance.now() - t0) / 1000;
      kicking = false;
      await kicker;
      console.error(`crash: killed B, B, B, A with ${killedAt} of ${COUNT} received`);
      assert(killedAt.every((n) => n < COUNT), "every kill landed mid-drain");
      // Both stop cleanly; the stores are then read by the CLI without a node.
      await kill(aliceNode, "SIGTERM");
      await kill(bobNode, "SIGTERM");

      const inbox = json((await runLegion(["--home", bob, "--json", "inbox", "alice"])).stdout);
      const texts = inbox.map((m) => m.text).sort();
      const expected = Array.from({ length: COUNT }, (_, i) => `n${i}`).sort();
      assertEquals(texts.length, COUNT, "no number twice");
      assertEquals(texts, expected, "every number exactly once");
      const queue = json((await runLegion(["--home", alice, "--json", "queue", "list"])).stdout);
      assertEquals(queue, [], "A's queue is empty");
      const retries = aliceRuns.reduce(
        (n, run) => n + run.events.filter((e) => e.type === "retry").length,
        0,
      );
      const delivered = aliceRuns.reduce(
        (n, run) => n + run.events.filter((e) => e.type === "delivered").length,
        0,
      );
      console.error(
        `crash: ${COUNT} messages in ${seconds.toFixed(0)} s with B killed at ${bobKills} and A ` +
          `at ${aliceKill}; B reported ${received()} new messages (${bobRuns.length} runs); ` +
          `A reported ${delivered} delivered acks and ${retries} retries`,
      );
    } finally {
      kicking = false;
      for (const node of running) await node.stop("SIGKILL");
      await stopSharedTorNetwork();
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});
