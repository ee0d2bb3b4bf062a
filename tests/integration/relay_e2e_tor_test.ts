/**
 * The relay's acceptance on the private Tor network (issue 16), with real CLI processes, each with
 * its own tor: Bob opens a mailbox at a relay (`mailbox open`) and gives Alice his new card; Bob is
 * offline; Alice sends, and her `queue run` falls back to Bob's relay (LEGION_RELAY_DELAY=0: at the
 * first failure) with a real proof; Alice goes offline; Bob comes online, his node fetches the
 * message from the relay and stores it exactly once; when Alice next runs, her redelivery is acked
 * by Bob as a duplicate and she sees it `delivered`; the relay is left empty.
 */
import { join } from "node:path";
import { assert, assertEquals } from "../support/assert.ts";
import { initIdentity, runLegion, type RunOptions, type RunResult } from "../support/cli.ts";
import { spawnLegion } from "../support/cli.ts";
import { sharedTorNetwork, stopSharedTorNetwork } from "../support/tor_network.ts";
import { type NodeProcess, startNode } from "../support/node_process.ts";

const json = (result: RunResult) =>
  result.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));

async function legion(home: string, args: string[], options: RunOptions = {}) {
  return await runLegion(["--home", home, ...args], options);
}

Deno.test({
  name: "relay acceptance over tor: B offline, A falls back to B's relay, B receives once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "legion-relay-e2e-" });
    const network = await sharedTorNetwork();
    const torrc = join(work, "torrc-extra");
    await Deno.writeTextFile(torrc, network.torrcLines);
    const tor = ["--torrc-extra", torrc, "--tor-timeout", "120"];
    const [alice, bob, relayHome] = ["alice", "bob", "relay"].map((n) => join(work, n));
    let bobNode: NodeProcess | undefined;
    const relay = await (async () => {
      await Promise.all([alice, bob].map((home) => initIdentity(home, `${home}.phrase`)));
      assertEquals((await legion(relayHome, ["relay", "init", "--slots", "4"])).code, 0);
      const id = await legion(alice, ["mailbox", "id"]);
      assertEquals(id.code, 0, id.stderr);
      const admitted = await legion(relayHome, ["relay", "admit", id.stdout.trim()]);
      assertEquals(admitted.code, 0, admitted.stderr);
      return spawnLegion(["--home", relayHome, "--json", "relay", "serve", ...tor]);
    })();
    const relayErr = new Response(relay.stderr).text();
    let relayOut = "";
    const reader = relay.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const readUntil = async (stop: () => boolean) => {
      while (!stop()) {
        const { value, done } = await reader.read();
        if (done) return;
        relayOut += value;
      }
    };
    const ready = readUntil(() => relayOut.includes('"relay_ready"'));
    const drained = ready.then(() => readUntil(() => false)).catch(() => {});
    try {
      await ready;
      // (stderr only ends with the process: read it only once it has stopped)
      assert(relayOut.includes('"relay_ready"'), "relay serve ended before relay_ready");
      const card = await legion(relayHome, ["relay", "card"]);
      assertEquals(card.code, 0, card.stderr);
      const opened = await legion(bob, ["--json", "mailbox", "open", "-", ...tor], {
        stdin: card.stdout,
      });
      assertEquals(opened.code, 0, opened.stderr);
      assertEquals(json(opened)[0].type, "mailbox");
      for (const [from, to, name] of [[bob, alice, "bob"], [alice, bob, "alice"]]) {
        const exported = await legion(from, ["card", "export"]);
        assertEquals(exported.code, 0, exported.stderr);
        assert(exported.stdout.includes('"mailboxes":['));
        const imported = await legion(to, ["card", "import", "-", "--name", name], {
          stdin: exported.stdout,
        });
        assertEquals(imported.code, 0, imported.stderr);
      }

      // B is offline. A sends; A's queue run fails to reach B and deposits at B's relay.
      const sent = json(await legion(alice, ["--json", "send", "bob", "via the relay"]))[0];
      const run = await legion(alice, ["--json", "queue", "run", "--timeout", "4m", ...tor], {
        env: { LEGION_RELAY_DELAY: "0" },
      });
      assertEquals(run.code, 75, run.stderr);
      const events = json(run);
      assert(
        events.some((e) => e.type === "relayed" && e.id === sent.id),
        JSON.stringify(events),
      );

      // A is offline. B comes online and fetches from its mailbox at start.
      bobNode = await startNode(bob, torrc);
      const message = await bobNode.waitFor(
        (e) => e.type === "message" && e.id === sent.id,
        240_000,
      );
      assertEquals([message.from, message.text], ["alice", "via the relay"]);

      // A runs again: B (online) acks the redelivery as a duplicate; A sees `delivered`.
      const again = await legion(alice, ["--json", "queue", "run", "--timeout", "4m", ...tor]);
      assertEquals(again.code, 0, again.stderr);
      const mine = json(await legion(alice, ["--json", "inbox", "--all"])).find((m) =>
        m.id === sent.id
      );
      assertEquals(mine?.state, "delivered");
      const stopped = await bobNode.stop();
      bobNode = undefined;
      assertEquals(stopped.code, 0, stopped.stderr);
      const inbox = json(await legion(bob, ["--json", "inbox"])).filter((m) => m.id === sent.id);
      assertEquals(inbox.length, 1, "stored exactly once");
    } finally {
      await bobNode?.stop();
      relay.kill("SIGTERM");
      await relay.status;
    }
    const status = JSON.parse((await legion(relayHome, ["--json", "relay", "status"])).stdout);
    await drained;
    assertEquals([status.mailboxes, status.items], [1, 0], `${relayOut}${await relayErr}`);
    await stopSharedTorNetwork();
    await Deno.remove(work, { recursive: true }).catch(() => {});
  },
});
