/**
 * The user side of the relay end to end over loopback (no tor): a real relay (sealed home, SQLite,
 * warm verifier) served in-process, two messaging nodes with real SQLite and libsignal on the
 * in-memory network, real Semaphore proofs (two deposits in all: they are slow).
 *
 * Bob opens a mailbox and re-exports his card (v3); Alice imports it, so the mailbox is stored with
 * the contact. Alice's direct delivery fails; only after the delay is the item deposited; a
 * `--via-relay` item is deposited at once; a third finds the epoch's slots used (tracked in the
 * store, so a fresh depositor — a restarted node — never reuses one) and the refusal is recorded
 * on the item. Bob fetches: a failing commit leaves the envelopes at the relay; after a good
 * commit they are acked away; each message is stored once even when Alice then also delivers it
 * directly, and Alice sees `delivered` from that direct ack.
 */
import { connect } from "node:net";
import "../../support/zk.ts";
import { assert, assertEquals } from "../../support/assert.ts";
import { sodium } from "../../../src/crypto/sodium.ts";
import { socketChannel } from "../../../src/transport/byte_channel.ts";
import { createProver } from "../../../src/zk/mod.ts";
import { admitMembers, createRelayHome, unlockRelay } from "../../../src/relay/relay_home.ts";
import { parseRules } from "../../../src/relay/relay_rules.ts";
import { startRelay } from "../../../src/relay/relay_runtime.ts";
import { relayTotals } from "../../../src/relay/relay_store.ts";
import { signRelayCard } from "../../../src/relay/relay_card.ts";
import { importCard } from "../../../src/store/contacts_import.ts";
import { type RelayDialer, relayZkIdentity } from "../../../src/node/relay_link.ts";
import { RelayDepositor } from "../../../src/node/relay_deposit.ts";
import { fetchMailboxes } from "../../../src/node/relay_fetch.ts";
import { listMailboxInfo, openMailboxAt } from "../../../src/node/mailbox_ops.ts";
import { eventsOf, messagingPair } from "../../support/messaging.ts";

const na = await sodium();
const rules = parseRules({ slotsPerEpoch: 2, epochSeconds: 3600, ttlSeconds: 3600 });

Deno.test({
  name: "relay fallback: deposit after the delay or at once, fetch stores once, acks after commit",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "legion-relayclient-" });
    const { clock, alice, bob, bobId } = await messagingPair(dir);
    const home = `${dir}/relay`;
    await createRelayHome(home, { passphrase: "relay pass", rules });
    const aliceZk = await relayZkIdentity(alice.messenger.store);
    await admitMembers(home, [aliceZk.commitment], clock.now);
    const relay = await unlockRelay(home, "relay pass");
    const running = await startRelay(relay, { home, now: () => clock.now, reloadMs: 50 });
    const dialer: RelayDialer = (onion) => {
      assertEquals(onion, relay.identity.onion);
      return new Promise((resolve, reject) => {
        const socket = connect(
          running.listener.port,
          "127.0.0.1",
          () => resolve(socketChannel(socket)),
        );
        socket.once("error", reject);
      });
    };
    const relayCard = signRelayCard(na, {
      onion: relay.identity.onion,
      publicKey: relay.identity.publicKey,
      groupRoot: 0n,
      members: 1,
      rules,
      createdAt: clock.now,
    }, relay.identity);
    const prover = createProver();
    const items = () => relayTotals(relay.store.db).items;
    const queued = (id: string) => alice.messenger.queueList().find((i) => i.id === id)!;
    try {
      await t.step("bob opens a mailbox; his v3 card carries it to alice", async () => {
        const info = await openMailboxAt(bob.messenger, dialer, relayCard);
        assertEquals(info.relay, relay.identity.onion);
        assertEquals(listMailboxInfo(bob.messenger).length, 1);
        clock.now += 2000;
        const card = await bob.node.signal.exportCard({ name: "bob" });
        const result = await importCard(alice.node.signal, card, { now: clock.now });
        assertEquals(result.status, "updated");
        const [mailbox] = alice.node.signal.contact("bob").card.mailboxes!;
        assertEquals(mailbox.onion, relay.identity.onion);
        assertEquals(mailbox.slots, 2);
      });

      const depositor = new RelayDepositor(alice.messenger, dialer, { delayMs: 120_000, prover });
      alice.deliverer.relay = depositor;
      let first = "";
      await t.step("direct delivery fails; nothing is deposited before the delay", async () => {
        first = (await alice.messenger.sendText("bob", "first, by fallback")).id;
        await alice.deliverer.deliverTo(bobId);
        assert(eventsOf(alice, "retry").length >= 1);
        assertEquals(eventsOf(alice, "relayed").length, 0);
        assertEquals(queued(first).relayedAt, null);
        assertEquals(items(), 0);
      });

      await t.step("after the delay the same delivery is deposited with a proof", async () => {
        clock.now += 121_000;
        await alice.deliverer.deliverDue({ ignoreBackoff: true });
        assertEquals(eventsOf(alice, "relayed").map((e) => e.id), [first]);
        assert(queued(first).relayedAt !== null, "still queued, marked relayed");
        assertEquals(items(), 1);
        // Only once: a later failure does not deposit it again.
        await alice.deliverer.deliverDue({ ignoreBackoff: true });
        assertEquals(items(), 1);
      });

      let second = "";
      await t.step("--via-relay deposits at once", async () => {
        second = (await alice.messenger.sendText("bob", "second, via relay", { viaRelay: true }))
          .id;
        await alice.deliverer.deliverTo(bobId);
        assertEquals(eventsOf(alice, "relayed").map((e) => e.id), [first, second]);
        assertEquals(items(), 2);
      });

      await t.step("slots are never reused, even by a fresh depositor (a restart)", async () => {
        alice.deliverer.relay = new RelayDepositor(alice.messenger, dialer, { prover });
        const third = (await alice.messenger.sendText("bob", "third", { viaRelay: true })).id;
        await alice.deliverer.deliverTo(bobId);
        assertEquals(eventsOf(alice, "relayed").length, 2);
        assert(
          /all 2 deposit slots/.test(queued(third).relayError ?? ""),
          queued(third).relayError!,
        );
        assertEquals(eventsOf(alice, "relay_refused").map((e) => e.id), [third]);
        assertEquals(items(), 2);
      });

      await t.step("a fetch whose commit fails acks nothing: the relay keeps them", async () => {
        const write = bob.messenger.write.bind(bob.messenger);
        bob.messenger.write = () => Promise.reject(new Error("disk full"));
        try {
          const summary = await fetchMailboxes(bob.messenger, dialer);
          assertEquals(summary, { fetched: 2, acked: 0 });
        } finally {
          bob.messenger.write = write;
        }
        assertEquals(items(), 2);
        assertEquals(eventsOf(bob, "message").length, 0);
      });

      await t.step("a fetch stores each once, then acks them away", async () => {
        const summary = await fetchMailboxes(bob.messenger, dialer);
        assertEquals(summary, { fetched: 2, acked: 2 });
        assertEquals(items(), 0);
        const inbox = await bob.messenger.inbox();
        assertEquals(inbox.map((m) => m.text), ["first, by fallback", "second, via relay"]);
        assertEquals(inbox.map((m) => m.id), [first, second]);
      });

      await t.step("direct delivery later: stored once, alice sees delivered", async () => {
        const listener = await bob.listen();
        try {
          await alice.deliverer.deliverDue({ ignoreBackoff: true });
        } finally {
          await listener.close();
        }
        const inbox = await bob.messenger.inbox();
        assertEquals(inbox.map((m) => m.text), [
          "first, by fallback",
          "second, via relay",
          "third",
        ]);
        assertEquals(alice.messenger.queueList(), []);
        const delivered = eventsOf(alice, "delivered").map((e) => e.id);
        assert(delivered.includes(first) && delivered.includes(second));
        // Nothing new at the relay: a second fetch finds nothing.
        assertEquals(await fetchMailboxes(bob.messenger, dialer), { fetched: 0, acked: 0 });
      });
    } finally {
      await prover.close();
      await running.close();
      relay.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
