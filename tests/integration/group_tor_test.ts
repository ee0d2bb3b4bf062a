/**
 * Issue 14's acceptance on the private Tor network, in process: five nodes A–E with real SQLite,
 * libsignal, ts-mls and each its own tor, wired by `assembleNode` plus the group engine as
 * `legion listen` wires them. A creates a group with B, C, D (B, C, D, E are A's contacts and
 * nobody else's); E is added later; a post by each member reaches every other; A removes D, and D
 * receives nothing after; B leaves; a post by C still reaches A and E.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { join } from "node:path";
import { sharedTorNetwork, startNodeTor, stopSharedTorNetwork } from "../support/tor_network.ts";
import { introduce, newNode, type TestNode } from "../support/signal.ts";
import { type AssembledNode, assembleNode } from "../../src/node/node.ts";
import { torTransport } from "../../src/node/tor_setup.ts";
import { attachGroups, type GroupHub } from "../../src/node/group_hub.ts";
import type { TorInstance } from "../../src/transport/tor_process.ts";
import type { Listener } from "../../src/transport/transport.ts";
import type { NodeEvent } from "../../src/node/events.ts";

async function waitUntil(what: string, check: () => boolean, timeoutMs = 240_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

Deno.test({
  name: "groups over a private Tor network: five nodes, contacts or not, add, remove, leave",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "legion-group-it-" });
    const names = ["A", "B", "C", "D", "E"] as const;
    type Name = typeof names[number];
    const tors: TorInstance[] = [];
    const listeners: Listener[] = [];
    const assembled: AssembledNode[] = [];
    const testNodes: TestNode[] = [];
    const hubs = {} as Record<Name, GroupHub>;
    const events = {} as Record<Name, NodeEvent[]>;
    const clock = {
      get now() {
        return Date.now();
      },
    };
    let retry: ReturnType<typeof setInterval> | undefined;
    try {
      const network = await sharedTorNetwork();
      tors.push(
        ...await Promise.all(names.map((name) => startNodeTor(network, join(work, name, "tor")))),
      );
      for (const name of names) testNodes.push(await newNode(work, name, clock));
      const [a] = testNodes;
      for (const [i, name] of names.entries()) {
        if (i > 0) await introduce(a, testNodes[i], "A", name);
      }
      for (const [i, name] of names.entries()) {
        events[name] = [];
        const built = assembleNode(testNodes[i].store, {
          now: () => Date.now(),
          transport: torTransport(tors[i]),
          emit: (event) => events[name].push(event),
        });
        testNodes[i].signal = built.signal;
        assembled.push(built);
        hubs[name] = await attachGroups(built.messenger);
      }
      listeners.push(...await Promise.all(assembled.map((node) => node.listen())));
      // As `listen`'s retry timer does.
      retry = setInterval(() => {
        for (const node of assembled) void node.deliverer.deliverDue().catch(() => {});
      }, 3_000);
      const texts = (name: Name) =>
        events[name].flatMap((e) => e.type === "group_message" && !e.burn ? [e.text] : []);
      const size = (name: Name) => hubs[name].list()[0]?.members ?? 0;
      const invited = (name: Name) => hubs[name].invites().length > 0;

      const started = performance.now();
      await hubs.A.create("tor-friends", ["B", "C", "D"]);
      await waitUntil(
        "B, C and D to be invited",
        () => invited("B") && invited("C") && invited("D"),
      );
      for (const name of ["B", "C", "D"] as const) await hubs[name].accept("tor-friends");
      await waitUntil(
        "4 members everywhere",
        () => ["A", "B", "C", "D"].every((n) => size(n as Name) === 4),
      );
      console.error(
        `create + 3 invites accepted over tor: ${(performance.now() - started).toFixed(0)} ms`,
      );

      await hubs.A.add("tor-friends", ["E"]);
      await waitUntil("E to be invited", () => invited("E"));
      await hubs.E.accept("tor-friends");
      await waitUntil("5 members everywhere", () => names.every((n) => size(n) === 5));

      const postStart = performance.now();
      for (const name of names) await hubs[name].send("tor-friends", `post by ${name}`);
      await waitUntil(
        "every post at every other member",
        () => names.every((n) => texts(n).length === 4),
      );
      console.error(
        `5 posts to 4 members each over tor: ${(performance.now() - postStart).toFixed(0)} ms`,
      );
      for (const name of names) {
        assertEquals(
          texts(name).sort(),
          names.filter((n) => n !== name).map((n) => `post by ${n}`).sort(),
          name,
        );
      }

      await hubs.A.remove("tor-friends", ["D"]);
      await waitUntil(
        "D to see itself removed",
        () => events.D.some((e) => e.type === "group_left"),
      );
      await waitUntil(
        "B, C, E to see D go",
        () => ["B", "C", "E"].every((n) => size(n as Name) === 4),
      );
      await hubs.B.send("tor-friends", "after D");
      await waitUntil(
        "A, C, E to read B's post",
        () => ["A", "C", "E"].every((n) => texts(n as Name).includes("after D")),
      );
      assertEquals(hubs.D.list(), []);

      await hubs.B.leave("tor-friends");
      await waitUntil("A to commit B's leave", () => size("A") === 3);
      await waitUntil("C and E to see B go", () => size("C") === 3 && size("E") === 3);
      await hubs.C.send("tor-friends", "after B");
      await waitUntil(
        "A and E to read C's post",
        () => texts("A").includes("after B") && texts("E").includes("after B"),
      );
      // Give any stray copy time to arrive: neither D nor B gets anything new.
      await new Promise((r) => setTimeout(r, 5_000));
      assert(
        !texts("D").includes("after D") && !texts("D").includes("after B"),
        "D reads nothing after its removal",
      );
      assert(!texts("B").includes("after B"), "B reads nothing after leaving");
      assertEquals(texts("D").length, 4);
    } finally {
      clearInterval(retry);
      for (const node of assembled) await node.deliverer.close();
      for (const listener of listeners) await listener.close().catch(() => {});
      for (const node of assembled) node.dispose();
      for (const tor of tors) await tor.stop().catch(() => {});
      for (const node of testNodes) node.close();
      await stopSharedTorNetwork();
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});
