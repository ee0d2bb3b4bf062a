/**
 * The relay on a private Tor network (tests/support/tor_network.ts): `legion relay serve` publishes
 * the relay's onion; a client through its own tor opens a mailbox, gets the member group, deposits
 * an envelope with a real proof, fetches it with the owner's key (a stranger's key is refused),
 * acks it away; SIGTERM stops the relay cleanly and `relay status` shows the refusal.
 */
import { join } from "node:path";
import { assert, assertEquals } from "../support/assert.ts";
import { runLegion, spawnLegion, tempDir } from "../support/cli.ts";
import { sharedTorNetwork, startNodeTor, stopSharedTorNetwork } from "../support/tor_network.ts";
import { sodium } from "../../src/crypto/sodium.ts";
import { dialSocks } from "../../src/transport/socks_dialer.ts";
import { socketChannel } from "../../src/transport/byte_channel.ts";
import { createProver, loadGroupHasher, parseGroupText, zkIdentity } from "../../src/zk/mod.ts";
import { parseRelayCard } from "../../src/relay/relay_card.ts";
import { epochAt } from "../../src/relay/relay_rules.ts";
import {
  ackItems,
  deposit,
  fetchGroupText,
  fetchItems,
  openMailbox,
  proveDeposit,
  type RelayEndpoint,
  RelayRefusedError,
} from "../../src/relay/relay_client.ts";

Deno.test({
  name: "relay serve over tor: open, deposit with a proof, fetch with the owner's key, ack, stop",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await loadGroupHasher();
    const na = await sodium();
    await using dir = await tempDir("legion-relay-tor-");
    const net = await sharedTorNetwork();
    const torrc = join(dir.path, "torrc-extra");
    await Deno.writeTextFile(torrc, net.torrcLines);
    const home = join(dir.path, "relay");
    assertEquals((await runLegion(["--home", home, "relay", "init", "--slots", "4"])).code, 0);
    const member = zkIdentity(na.randombytes_buf(32));
    const admitted = await runLegion(["--home", home, "relay", "admit", String(member.commitment)]);
    assertEquals(admitted.code, 0, admitted.stderr);
    const cardRun = await runLegion(["--home", home, "relay", "card"]);
    assertEquals(cardRun.code, 0, cardRun.stderr);
    const card = parseRelayCard(na, cardRun.stdout.trim());

    const relay = spawnLegion([
      "--home",
      home,
      "--json",
      "relay",
      "serve",
      "--torrc-extra",
      torrc,
      "--tor-timeout",
      "120",
    ]);
    const stderr = new Response(relay.stderr).text();
    const events: Record<string, unknown>[] = [];
    const chunks = relay.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    const next = async (type: string) => {
      for (;;) {
        const seen = events.find((e) => e.type === type);
        if (seen) return seen;
        const { value, done } = await chunks.read();
        if (done) throw new Error(`relay serve ended before ${type}: ${await stderr}`);
        buffered += value;
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const line of lines) if (line.trim()) events.push(JSON.parse(line));
      }
    };
    const clientTor = await startNodeTor(net, join(dir.path, "client-tor"));
    try {
      const ready = await next("relay_ready");
      assertEquals(ready.onion, card.onion);
      const endpoint: RelayEndpoint = {
        publicKey: card.publicKey,
        connect: async () => socketChannel(await dialSocks(clientTor.socks, card.onion)),
      };
      const seed = na.randombytes_buf(32);
      const owner = { seed, publicKey: na.crypto_sign_seed_keypair(seed).publicKey };
      const box = await openMailbox(endpoint, owner);
      const group = parseGroupText(await fetchGroupText(endpoint));
      assertEquals(group.root, card.groupRoot);

      const envelope = new TextEncoder().encode("an opaque sealed envelope");
      const epoch = epochAt(card.rules, Date.now());
      const prover = createProver();
      const proof = await proveDeposit(prover, member, group, {
        onion: card.onion,
        epoch,
        slot: 0,
        envelope,
      });
      await prover.close();
      await deposit(endpoint, { depositId: box.depositId, epoch, slot: 0, proof, envelope });

      const strangerSeed = na.randombytes_buf(32);
      const stranger = {
        seed: strangerSeed,
        publicKey: na.crypto_sign_seed_keypair(strangerSeed).publicKey,
      };
      let refusal: unknown;
      try {
        await fetchItems(endpoint, stranger, box.fetchId);
      } catch (err) {
        refusal = err;
      }
      assert(refusal instanceof RelayRefusedError && refusal.reason === "unauthorized");

      const items = await fetchItems(endpoint, owner, box.fetchId);
      assertEquals(items.map((i) => new TextDecoder().decode(i.envelope)), [
        "an opaque sealed envelope",
      ]);
      assertEquals(await ackItems(endpoint, owner, box.fetchId, [items[0].itemId]), 1);
      assertEquals((await fetchItems(endpoint, owner, box.fetchId)).length, 0);
    } finally {
      relay.kill("SIGTERM");
      await clientTor.stop();
    }
    // Drain what the relay printed up to its exit.
    for (;;) {
      const { value, done } = await chunks.read();
      if (done) break;
      buffered += value;
    }
    for (const line of buffered.split("\n")) if (line.trim()) events.push(JSON.parse(line));
    const status = await relay.status;
    assertEquals(status.code, 0, await stderr);
    const totals = await runLegion(["--home", home, "--json", "relay", "status"]);
    const parsed = JSON.parse(totals.stdout);
    assertEquals(parsed.refused, { "fetch.unauthorized": 1 });
    assertEquals([parsed.mailboxes, parsed.items], [1, 0]);
    assert(
      events.some((e) =>
        e.type === "relay_request" && e.request === "deposit" && e.outcome === "ok"
      ),
    );
    await stopSharedTorNetwork();
  },
});
