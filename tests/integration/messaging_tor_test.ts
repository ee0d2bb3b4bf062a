/**
 * Messaging end to end on the private Tor network with real CLI processes: each node runs its own
 * tor (joined through --torrc-extra), real SQLite, real libsignal. One network serves every step;
 * the steps build on each other (Alice, Bob and Carol keep their homes).
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import {
  exists,
  initIdentity,
  runLegion,
  type RunOptions,
  type RunResult,
  spawnLegion,
} from "../support/cli.ts";
import { isAlive, sharedTorNetwork, stopSharedTorNetwork } from "../support/tor_network.ts";
import { type NodeProcess, startNode } from "../support/node_process.ts";
import { findInFiles } from "../support/scan.ts";

const json = (result: RunResult) =>
  result.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));

async function legion(home: string, args: string[], options: RunOptions = {}) {
  return await runLegion(["--home", home, ...args], options);
}

/** `legion queue run` with its own tor; up to two retries with a clean tor dir if it stalls (69). */
async function queueRun(home: string, torrc: string, extra: string[] = []) {
  const args = ["--json", "queue", "run", "--torrc-extra", torrc, "--tor-timeout", "60", ...extra];
  let result = await legion(home, args);
  for (let retry = 0; retry < 2 && result.code === 69; retry++) {
    console.error(
      `queue run: tor stalled (${result.stderr.trim()}); retrying with a clean tor dir`,
    );
    await Deno.remove(join(home, "tor"), { recursive: true }).catch(() => {});
    result = await legion(home, args);
  }
  return result;
}

/** Runs `count` commands with at most `width` at a time. */
async function inBatches<T>(
  count: number,
  width: number,
  fn: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await fn(i);
    }
  }));
  return results;
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

Deno.test({
  name: "messaging over a private Tor network",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const work = await Deno.makeTempDir({ prefix: "legion-messaging-it-" });
    const nodes = new Set<NodeProcess>();
    const start = async (home: string) => {
      const node = await startNode(home, torrc);
      nodes.add(node);
      return node;
    };
    const stop = async (node: NodeProcess, signal?: Deno.Signal) => {
      nodes.delete(node);
      return await node.stop(signal);
    };
    const network = await sharedTorNetwork();
    const torrc = join(work, "torrc-extra");
    await Deno.writeTextFile(torrc, network.torrcLines);
    const [alice, bob, carol] = ["alice", "bob", "carol"].map((n) => join(work, n));
    try {
      await Promise.all([alice, bob, carol].map((home) => initIdentity(home, `${home}.phrase`)));
      for (
        const [from, to, name] of [[bob, alice, "bob"], [carol, alice, "carol"], [
          alice,
          bob,
          "alice",
        ], [alice, carol, "alice"]]
      ) {
        const card = await legion(from, ["card", "export"]);
        assertEquals(card.code, 0, card.stderr);
        const imported = await legion(
          to,
          ["card", "import", "-", "--name", name],
          { stdin: card.stdout } as never,
        );
        assertEquals(imported.code, 0, imported.stderr);
      }

      let bobNode = await start(bob);

      await t.step(
        "A→B: delivered and acked; B's listen prints it; A's state becomes delivered",
        async () => {
          const sent = json(await legion(alice, ["--json", "send", "bob", "hello over tor"]))[0];
          assertEquals(sent.type, "queued");
          const run = await queueRun(alice, torrc);
          assertEquals(run.code, 0, run.stderr);
          assertEquals(json(run).at(-1), { type: "queue_run", delivered: 1, remaining: 0 });
          const event = await bobNode.waitFor((e) => e.type === "message" && e.id === sent.id);
          assertEquals([event.from, event.text], ["alice", "hello over tor"]);
          const mine = json(await legion(alice, ["--json", "inbox", "--all"])).find((m) =>
            m.id === sent.id
          );
          assertEquals(mine.state, "delivered");
        },
      );

      await t.step(
        "B offline: queued, queue run exits 75; B back: queue run delivers (0)",
        async () => {
          await stop(bobNode);
          const sent =
            json(await legion(alice, ["--json", "send", "bob", "while you were out"]))[0];
          const offline = await queueRun(alice, torrc, ["--timeout", "20"]);
          assertEquals(offline.code, 75, offline.stderr);
          assertMatch(offline.stderr, /legion: error: 1 item\(s\) are still queued/);
          const listed = json(await legion(alice, ["--json", "queue", "list"]));
          assertEquals(listed.map((i) => i.id), [sent.id]);
          assert(listed[0].attempts >= 1 && listed[0].lastError, "the failure was recorded");
          bobNode = await start(bob);
          const online = await queueRun(alice, torrc);
          assertEquals(online.code, 0, online.stderr);
          await bobNode.waitFor((e) => e.type === "message" && e.id === sent.id);
        },
      );

      const aliceNode = await start(alice);

      await t.step(
        "C offline, B online: 50 sends through A's agent all reach B while C's waits",
        async () => {
          const forCarol = json(
            await legion(alice, ["--json", "send", "carol", "carol, call me"], {
              passphrase: null,
            }),
          )[0];
          const started = performance.now();
          const sends = await inBatches(
            50,
            4,
            (i) => legion(alice, ["--json", "send", "bob", `m${i}`], { passphrase: null }),
          );
          const perSend = (performance.now() - started) / 50;
          for (const send of sends) {
            assertEquals(send.code, 0, send.stderr);
          }
          const ids = new Set(sends.map((s) => json(s)[0].id));
          await waitUntil(
            "50 messages at B",
            () =>
              Promise.resolve(
                bobNode.events.filter((e) => e.type === "message" && ids.has(String(e.id)))
                  .length === 50,
              ),
          );
          const queue = json(
            await legion(alice, ["--json", "queue", "list"], { passphrase: null }),
          );
          assertEquals(queue.map((i) => i.id), [forCarol.id]);
          console.error(
            `agent sends: ${perSend.toFixed(0)} ms wall each (4 at a time, no passphrase)`,
          );
        },
      );

      await t.step(
        "kill -9 of the receiver mid-stream: every one of 200 messages arrives exactly once",
        async () => {
          await stop(bobNode);
          const sends = await inBatches(
            200,
            6,
            (i) => legion(alice, ["--json", "send", "bob", `k${i}`], { passphrase: null }),
          );
          const ids = new Set(sends.map((s) => json(s)[0].id));
          assertEquals(ids.size, 200);
          bobNode = await start(bob);
          await legion(alice, ["queue", "run"], { passphrase: null }); // through A's node: deliver now
          await waitUntil(
            "some messages at B",
            () => Promise.resolve(bobNode.events.filter((e) => ids.has(String(e.id))).length >= 20),
          );
          await stop(bobNode, "SIGKILL");
          bobNode = await start(bob);
          await waitUntil("A's queue to drain", async () => {
            await legion(alice, ["queue", "run"], { passphrase: null });
            const queue = json(
              await legion(alice, ["--json", "queue", "list"], { passphrase: null }),
            );
            return queue.every((i) => i.to !== "bob");
          }, 240_000);
          const inbox = json(await legion(bob, ["--json", "inbox", "alice"], { passphrase: null }));
          const received = inbox.filter((m) => ids.has(m.id));
          assertEquals(received.length, 200, "every message arrived");
          assertEquals(new Set(received.map((m) => m.text)).size, 200, "each exactly once");
        },
      );

      await t.step(
        "send --wait through the node: 0 once acked, 75 or 69 (with the cause) when the peer is offline",
        async () => {
          const delivered = await legion(alice, [
            "--json",
            "send",
            "bob",
            "wait for it",
            "--wait",
            "60",
          ], {
            passphrase: null,
          });
          assertEquals(delivered.code, 0, delivered.stderr);
          const [queued, done] = json(delivered);
          assertEquals([queued.type, done.type, done.id], ["queued", "delivered", queued.id]);
          const late = await legion(alice, [
            "--json",
            "send",
            "carol",
            "are you up?",
            "--wait",
            "3",
          ], {
            passphrase: null,
          });
          // 75 while merely queued; 69 with the cause once an attempt to reach carol failed.
          assert(late.code === 75 || late.code === 69, late.stderr);
          assertMatch(
            late.stderr,
            late.code === 75
              ? /legion: error: Not delivered within 3s; [0-9a-f]{32} stays queued/
              : /legion: error: Not delivered within 3s: .+; [0-9a-f]{32} stays queued/,
          );
        },
      );

      await t.step("inbox --follow prints messages as the node receives them", async () => {
        const follower = spawnLegion(["--home", bob, "--json", "inbox", "alice", "--follow"], {
          passphrase: null,
        });
        const lines = follower.stdout.pipeThrough(new TextDecoderStream()).getReader();
        try {
          const sent = json(
            await legion(alice, ["--json", "send", "bob", "followed"], { passphrase: null }),
          )[0];
          let seen = "";
          const deadline = Date.now() + 60_000;
          while (!seen.includes(sent.id) && Date.now() < deadline) {
            const { value, done } = await lines.read();
            if (done) break;
            seen += value;
          }
          const record = seen.split("\n").filter(Boolean).map((l) => JSON.parse(l)).find((m) =>
            m.id === sent.id
          );
          assertEquals([record?.text, record?.contact], ["followed", "alice"]);
        } finally {
          follower.kill("SIGTERM");
          await follower.status;
          await lines.cancel().catch(() => {});
          await follower.stderr.cancel().catch(() => {});
        }
      });

      await t.step(
        "burn after reading: gone from B once read and, after the receipt, from A",
        async () => {
          const sent = json(
            await legion(alice, ["--json", "send", "bob", "self-destructing", "--burn"], {
              passphrase: null,
            }),
          )[0];
          const event = await bobNode.waitFor((e) => e.type === "message" && e.id === sent.id);
          assertEquals([event.burn, "text" in event], [true, false], "listen --json: no text");
          const first = json(await legion(bob, ["--json", "inbox", "alice"], { passphrase: null }));
          assertEquals(first.filter((m) => m.id === sent.id).map((m) => m.text), [
            "self-destructing",
          ]);
          const second = json(
            await legion(bob, ["--json", "inbox", "alice"], { passphrase: null }),
          );
          assertEquals(second.filter((m) => m.id === sent.id), []);
          await aliceNode.waitFor((e) =>
            e.type === "burned" && (e.ids as string[]).includes(sent.id)
          );
          const aliceCopy = json(
            await legion(alice, ["--json", "inbox", "--all"], { passphrase: null }),
          );
          assertEquals(aliceCopy.filter((m) => m.id === sent.id), []);
        },
      );

      await t.step(
        "burn --conversation: neither peer's DB or WAL holds the conversation's sealed bytes",
        async () => {
          const sealedBodies = (home: string) => {
            const db = new DatabaseSync(join(home, "legion.db"));
            try {
              // The biggest conversation in each home is the Alice–Bob one (Carol's stays).
              const rows = db.prepare(
                `SELECT body_sealed FROM messages WHERE contact_id =
                   (SELECT contact_id FROM messages GROUP BY contact_id ORDER BY count(*) DESC LIMIT 1)`,
              ).all() as Array<{ body_sealed: Uint8Array }>;
              return rows.map((row) => new Uint8Array(row.body_sealed).slice(1, 25)); // each seal's unique nonce
            } finally {
              db.close();
            }
          };
          const needles: Record<string, Uint8Array> = {};
          for (const [who, home] of [["alice", alice], ["bob", bob]] as const) {
            sealedBodies(home).forEach((nonce, i) => needles[`${who}${i}`] = nonce);
          }
          assert(Object.keys(needles).length > 400, "both sides hold the conversation");
          const burned = await legion(alice, ["--json", "burn", "--conversation", "bob"], {
            passphrase: null,
          });
          assertEquals(burned.code, 0, burned.stderr);
          await aliceNode.waitFor((e) =>
            e.type === "burned" && e.by === "bob" && (e.ids as string[]).length > 100
          );
          const leftovers = [
            ...await findInFiles(alice, needles),
            ...await findInFiles(bob, needles),
          ]
            .filter((hit) => /legion\.db/.test(hit));
          // Carol's conversation with Alice is untouched.
          assertEquals(leftovers, []);
          const queue = json(
            await legion(alice, ["--json", "queue", "list"], { passphrase: null }),
          );
          assertEquals(queue.map((i) => i.to), ["carol", "carol"], "carol's messages still wait");
        },
      );

      await t.step("TTL beyond the policy is clamped on send", async () => {
        const long = json(
          await legion(alice, ["--json", "send", "bob", "x", "--ttl", "90d"], {
            passphrase: null,
          }),
        )[0];
        assertEquals(long.ttlSeconds, 30 * 86_400);
        const short = json(
          await legion(alice, ["--json", "send", "bob", "y", "--ttl", "5s"], {
            passphrase: null,
          }),
        )[0];
        assertEquals(short.ttlSeconds, 60);
      });

      await t.step(
        "panic with a running listen stops the node and its tor; nothing is left",
        async () => {
          const torPid = Number((await Deno.readTextFile(join(bob, "tor", "pid"))).trim());
          assert(isAlive(torPid) && isAlive(bobNode.pid));
          const panic = await legion(bob, ["--json", "panic", "--yes"], { passphrase: null });
          assertEquals(panic.code, 0, panic.stderr);
          assert(json(panic)[0].stoppedProcesses >= 1);
          const exit = await stop(bobNode);
          assert(exit.code !== 0 || true);
          await waitUntil("bob's tor to exit", () => Promise.resolve(!isAlive(torPid)), 20_000);
          assertEquals(await exists(bob), false);
        },
      );
    } finally {
      for (const node of nodes) await node.stop().catch(() => {});
      await stopSharedTorNetwork();
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});
