/**
 * Liveness on the private Tor network, with the real CLI: a node whose queue holds a message for
 * a contact that is offline (its onion was never published) stops within 5 s of SIGTERM while
 * tor is still trying to reach that onion, and the message stays queued.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { join } from "node:path";
import { exists, initIdentity, runLegion } from "../support/cli.ts";
import { sharedTorNetwork, stopSharedTorNetwork } from "../support/tor_network.ts";
import { startNode } from "../support/node_process.ts";

const json = (stdout: string) =>
  stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));

Deno.test({
  name: "SIGTERM stops listen within 5 s while a dial to an offline contact is in flight",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "legion-liveness-it-" });
    const network = await sharedTorNetwork();
    const torrc = join(work, "torrc-extra");
    await Deno.writeTextFile(torrc, network.torrcLines);
    const [alice, bob] = [join(work, "alice"), join(work, "bob")];
    try {
      await Promise.all([alice, bob].map((home) => initIdentity(home, `${home}.phrase`)));
      const card = await runLegion(["--home", bob, "card", "export"]);
      const imported = await runLegion(["--home", alice, "card", "import", "-", "--name", "bob"], {
        stdin: card.stdout,
      });
      assertEquals(imported.code, 0, imported.stderr);
      const sent = json((await runLegion(["--home", alice, "--json", "send", "bob", "hi"])).stdout);
      assertEquals(sent[0].type, "queued");

      // Bob is never started: tor looks for a descriptor that does not exist.
      const node = await startNode(alice, torrc);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const inFlight = !node.events.some((e) => e.type === "retry");
      const started = performance.now();
      const stopped = await node.stop("SIGTERM");
      const seconds = (performance.now() - started) / 1000;
      console.error(
        `liveness: listen stopped ${seconds.toFixed(2)} s after SIGTERM ` +
          `(dial in flight: ${inFlight}; exit ${stopped.code})`,
      );
      assert(inFlight, "the dial was still in flight at SIGTERM");
      assert(seconds < 5, `stopped after ${seconds} s`);
      assertEquals(stopped.code, 0, stopped.stderr);
      assertEquals(await exists(join(alice, "node.pid")), false, "the PID file is gone");
      assertEquals(await exists(join(alice, "agent.sock")), false, "the agent socket is gone");

      const queue = json((await runLegion(["--home", alice, "--json", "queue", "list"])).stdout);
      assertEquals(queue.map((item) => item.id), [sent[0].id], "the message is still queued");
      assertEquals(queue[0].attempts, 0, "an interrupted dial is not recorded as a failure");
    } finally {
      await stopSharedTorNetwork();
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});
