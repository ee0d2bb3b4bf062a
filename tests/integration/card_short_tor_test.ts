/**
 * A QR code's short form end to end on the private Tor network, real CLI processes: Alice's node
 * runs; Bob imports her short form — first with no node of his own (his command brings tor up),
 * later through his running node — and can then message her. A short form naming a card Alice
 * never exported gets nothing from her node (69, nothing imported).
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { join } from "node:path";
import { initIdentity, runLegion, type RunResult } from "../support/cli.ts";
import { sharedTorNetwork, stopSharedTorNetwork } from "../support/tor_network.ts";
import { type NodeProcess, startNode } from "../support/node_process.ts";
import { decodeShortCard, encodeShortCard } from "../../src/crypto/card_short.ts";

const json = (result: RunResult) =>
  result.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));

Deno.test({
  name: "card import of a QR code's short form over a private Tor network",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const work = await Deno.makeTempDir({ prefix: "legion-card-short-it-" });
    const nodes = new Set<NodeProcess>();
    const network = await sharedTorNetwork();
    const torrc = join(work, "torrc-extra");
    await Deno.writeTextFile(torrc, network.torrcLines);
    const [alice, bob] = ["alice", "bob"].map((n) => join(work, n));
    const legion = (home: string, args: string[], stdin?: string) =>
      runLegion(["--home", home, ...args], stdin === undefined ? {} : { stdin });
    const tor = ["--torrc-extra", torrc, "--tor-timeout", "60"];
    /** With its own tor, Bob's command may see tor stall on a loaded machine (69): retry once. */
    const importWithOwnTor = async (short: string) => {
      let result = await legion(bob, ["--json", "card", "import", short, ...tor]);
      if (result.code === 69 && /tor/i.test(result.stderr) && !/fetch/.test(result.stderr)) {
        console.error(`card import: tor stalled (${result.stderr.trim()}); retrying`);
        await Deno.remove(join(bob, "tor"), { recursive: true }).catch(() => {});
        result = await legion(bob, ["--json", "card", "import", short, ...tor]);
      }
      return result;
    };
    try {
      const [a] = await Promise.all(
        [alice, bob].map((home) => initIdentity(home, `${home}.phrase`)),
      );
      const aliceNode = await startNode(alice, torrc);
      nodes.add(aliceNode);
      // Through Alice's running node: the export is recorded in the store her transport reads.
      const exported = await legion(alice, ["--json", "card", "export", "--qr", "--name", "alice"]);
      assertEquals(exported.code, 0, exported.stderr);
      const { short, version } = json(exported)[0];
      assert(version <= 10, `QR version ${version}`);
      assertEquals(decodeShortCard(short).onion, a.onion);

      await t.step(
        "Bob, no node running, completes the short form through his own tor",
        async () => {
          const imported = await importWithOwnTor(short);
          assertEquals(imported.code, 0, imported.stderr);
          const contact = json(imported)[0];
          assertEquals([contact.type, contact.status, contact.name, contact.onion], [
            "contact",
            "added",
            "alice",
            a.onion,
          ]);
        },
      );

      // Alice admits only contacts: she takes Bob's full card (through her node's agent).
      const bobCard = await legion(bob, ["card", "export", "--name", "bob"]);
      assertEquals(bobCard.code, 0, bobCard.stderr);
      const added = await legion(alice, ["card", "import", "-"], bobCard.stdout);
      assertEquals(added.code, 0, added.stderr);

      const bobNode = await startNode(bob, torrc);
      nodes.add(bobNode);

      await t.step(
        "a short form naming a card Alice never exported gets nothing (69)",
        async () => {
          const unknown = encodeShortCard(decodeShortCard(short).ed25519, "not a card Alice gave");
          const refused = await legion(bob, ["card", "import", unknown, "--name", "alice2"]);
          assertEquals(refused.code, 69, refused.stderr);
          assertMatch(
            refused.stderr,
            /^legion: error: Cannot fetch the card from [a-z2-7]{56}\.onion/m,
          );
          assertMatch(refused.stderr, /^legion: hint: /m);
          const list = json(await legion(bob, ["--json", "contacts", "list"]));
          assertEquals(list.map((c) => c.name), ["alice"]);
        },
      );

      await t.step("through Bob's node, the same short form is unchanged", async () => {
        const again = await legion(bob, ["--json", "card", "import", short]);
        assertEquals(again.code, 0, again.stderr);
        assertEquals(json(again)[0].status, "unchanged");
      });

      await t.step("Bob messages Alice: delivered, and her node shows it", async () => {
        const sent = await legion(bob, [
          "--json",
          "send",
          "alice",
          "hello from a QR code",
          "--wait",
          "3m",
        ]);
        assertEquals(sent.code, 0, sent.stderr);
        const queued = json(sent)[0];
        const event = await aliceNode.waitFor((e) => e.type === "message" && e.id === queued.id);
        assertEquals([event.from, event.text], ["bob", "hello from a QR code"]);
      });
    } finally {
      for (const node of nodes) await node.stop().catch(() => {});
      await stopSharedTorNetwork();
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});
