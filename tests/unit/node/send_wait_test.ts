import { assert, assertEquals } from "../../support/assert.ts";
import { MemoryNetwork } from "../../../src/transport/memory_transport.ts";
import { startAgentServer } from "../../../src/node/agent_server.ts";
import { sendAndWait, type WaitRequest } from "../../../src/node/send_wait.ts";
import type { NodeContext } from "../../../src/node/node_context.ts";
import type { UnlockedStore } from "../../../src/store/open_store.ts";
import { messagingNode } from "../../support/messaging.ts";
import { introduce, newNode, T0 } from "../../support/signal.ts";
import { tempDir } from "../../support/cli.ts";

const TOR = { torTimeout: 180 };

/** A NodeContext over a data dir (and, for the local path, an already unlocked store). */
function nodeContext(home: string, clock: { now: number }, store?: UnlockedStore) {
  const cleanups: Array<() => void | Promise<void>> = [];
  const ctx: NodeContext = {
    home,
    env: {},
    now: () => clock.now,
    note: () => {},
    warn: () => {},
    onCleanup: (fn) => void cleanups.push(fn),
    unlock: () => Promise.resolve(store!),
  };
  const cleanup = async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  };
  return { ctx, cleanup };
}

function request(waitMs: number, extra: Partial<WaitRequest> = {}): WaitRequest {
  return {
    params: { to: "bob", text: "hello", burn: false },
    waitMs,
    tor: TOR,
    onQueued: () => {},
    ...extra,
  };
}

Deno.test("sendAndWait() through a node returns at the ack and leaves no timer behind", async () => {
  await using dir = await tempDir();
  await Deno.chmod(dir.path, 0o700);
  const server = await startAgentServer(dir.path, (name) => {
    if (name !== "send") return Promise.resolve({ delivered: 0, remaining: 0 });
    setTimeout(() => server.broadcast({ type: "delivered", id: "aa", to: "bob" }), 50);
    return Promise.resolve({ id: "aa", to: "bob", ttlSeconds: 60, burn: false });
  });
  const { ctx, cleanup } = nodeContext(dir.path, { now: T0 });
  try {
    const started = performance.now();
    const outcome = await sendAndWait(ctx, request(30_000));
    assertEquals(outcome, { id: "aa", state: "delivered" });
    assert(performance.now() - started < 5_000, "returned at the ack, not at the deadline");
  } finally {
    await cleanup();
    await server.close();
  }
  // The test sanitizers fail this test if a wait timer is still pending here.
});

Deno.test("sendAndWait() through a node asks for new attempts and reports the last error", async () => {
  await using dir = await tempDir();
  await Deno.chmod(dir.path, 0o700);
  let flushes = 0;
  const server = await startAgentServer(dir.path, (name) => {
    if (name === "queue.flush") {
      flushes++;
      server.broadcast({
        type: "retry",
        to: "bob",
        attempts: 1 + flushes,
        error: "HostUnreachable",
      });
      return Promise.resolve({ delivered: 0, remaining: 1 });
    }
    setTimeout(() => server.broadcast({ type: "retry", to: "bob", attempts: 1, error: "x" }), 20);
    return Promise.resolve({ id: "bb", to: "bob", ttlSeconds: 60, burn: false });
  });
  const { ctx, cleanup } = nodeContext(dir.path, { now: T0 });
  try {
    const outcome = await sendAndWait(ctx, request(1_000, { retryMs: 200 }));
    assertEquals(outcome, {
      id: "bb",
      state: "unreachable",
      cause: "peer",
      error: "HostUnreachable",
    });
    assert(flushes >= 2, `retried until the deadline (${flushes} flushes)`);
  } finally {
    await cleanup();
    await server.close();
  }
});

async function localPair(dir: string) {
  const network = new MemoryNetwork();
  const clock = { now: T0 };
  const alice = await newNode(dir, "alice", clock);
  const bob = await messagingNode(network, dir, "bob", clock);
  await introduce(alice, bob.node);
  const home = await Deno.makeTempDir({ dir });
  const { ctx, cleanup } = nodeContext(home, clock, alice.store);
  const transport = (options: Parameters<MemoryNetwork["transport"]>[0]) =>
    network.transport(options);
  return { bob, ctx, cleanup, transport };
}

Deno.test("sendAndWait() without a node retries an offline contact until the deadline", async () => {
  await using dir = await tempDir();
  const { ctx, cleanup, transport } = await localPair(dir.path);
  try {
    const started = performance.now();
    const outcome = await sendAndWait(ctx, request(1_500, { transport, retryMs: 100 }));
    const elapsed = performance.now() - started;
    assertEquals(outcome.state, "unreachable");
    assert(outcome.state === "unreachable" && outcome.cause === "peer");
    assert(outcome.error.length > 0);
    assert(elapsed >= 1_400, `waited for the whole deadline (${elapsed} ms)`);
  } finally {
    await cleanup();
  }
});

Deno.test("sendAndWait() without a node delivers once the contact comes online", async () => {
  await using dir = await tempDir();
  const { bob, ctx, cleanup, transport } = await localPair(dir.path);
  const later = setTimeout(async () => listener = await bob.listen(), 300);
  let listener: { close(): Promise<void> } | undefined;
  try {
    const outcome = await sendAndWait(ctx, request(20_000, { transport, retryMs: 100 }));
    assertEquals(outcome.state, "delivered");
  } finally {
    clearTimeout(later);
    await cleanup();
    await listener?.close();
  }
});
