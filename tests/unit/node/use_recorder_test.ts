/**
 * The dead-man switch counts a running node's agent calls as use (throttled to once a minute);
 * a peer's deliveries are not the user and do not count.
 */
import { assertEquals } from "../../support/assert.ts";
import { tempDir } from "../../support/cli.ts";
import { introduce, newNode, T0 } from "../../support/signal.ts";
import { messagingNode } from "../../support/messaging.ts";
import { MemoryNetwork } from "../../../src/transport/memory_transport.ts";
import { startNode } from "../../../src/node/node.ts";
import { AgentClient } from "../../../src/node/agent_client.ts";
import type { NodeContext } from "../../../src/node/node_context.ts";
import { unusedFor } from "../../../src/store/usage.ts";
import { USE_RECORD_INTERVAL_MS } from "../../../src/node/use_recorder.ts";

const DAY = 86_400_000;

Deno.test("agent calls count as use for the dead-man switch; peer traffic does not", async () => {
  await using dir = await tempDir();
  await Deno.chmod(dir.path, 0o700);
  const network = new MemoryNetwork();
  const clock = { now: T0 };
  const alice = await newNode(dir.path, "legion", clock); // the home's own legion.db
  const bob = await messagingNode(network, dir.path, "bob", clock);
  await introduce(alice, bob.node);
  const ctx: NodeContext = {
    home: dir.path,
    env: {},
    now: () => clock.now,
    note: () => {},
    warn: () => {},
    onCleanup: () => {},
    unlock: () => Promise.resolve(alice.store),
  };
  const node = await startNode(ctx, alice.store, {
    transport: (options) => network.transport(options),
    emit: () => {},
  });
  const client = (await AgentClient.connect(dir.path))!;
  try {
    // Thirty days of a node used only through the agent.
    clock.now += 30 * DAY;
    await client.call("queue.list", {});
    assertEquals(unusedFor(dir.path, clock.now), 0, "an agent call is a use");
    // Within the minute, calls do not write again.
    clock.now += USE_RECORD_INTERVAL_MS - 1;
    await client.call("queue.list", {});
    assertEquals(unusedFor(dir.path, clock.now), USE_RECORD_INTERVAL_MS - 1, "throttled");
    clock.now += 1;
    await client.call("queue.list", {});
    assertEquals(unusedFor(dir.path, clock.now), 0, "recorded again after a minute");
    // A peer's delivery is not the user.
    const usedAt = clock.now;
    clock.now += DAY;
    await bob.messenger.sendText("alice", "hello");
    await bob.deliverer.deliverDue();
    assertEquals(bob.events.filter((e) => e.type === "delivered").length, 1);
    assertEquals(unusedFor(dir.path, clock.now), clock.now - usedAt, "peer traffic is not use");
  } finally {
    client.close();
    await node.close();
    alice.close();
    bob.node.close();
  }
});
