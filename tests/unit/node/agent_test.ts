import { assert, assertEquals, assertRejects } from "../../support/assert.ts";
import { join } from "node:path";
import { createConnection } from "node:net";
import { startAgentServer } from "../../../src/node/agent_server.ts";
import { AgentClient } from "../../../src/node/agent_client.ts";
import { isLegionError, LegionError } from "../../../src/errors.ts";
import { tempDir } from "../../support/cli.ts";

Deno.test("the agent answers calls, forwards LegionErrors and pushes events to subscribers", async () => {
  await using dir = await tempDir();
  await Deno.chmod(dir.path, 0o700);
  const server = await startAgentServer(dir.path, {
    echo: (params) => Promise.resolve({ echoed: params }),
    fail: () =>
      Promise.reject(
        new LegionError("no_input", "No contact named eve", { hint: "see contacts list" }),
      ),
  });
  const client = (await AgentClient.connect(dir.path))!;
  try {
    assertEquals((await Deno.stat(join(dir.path, "agent.sock"))).mode! & 0o777, 0o600);
    assertEquals(await client.call("echo", { a: 1 }), { echoed: { a: 1 } });
    const err = await assertRejects(() => client.call("fail"));
    assert(isLegionError(err, "no_input"));
    assertEquals((err as LegionError).hint, "see contacts list");
    assert(isLegionError(await assertRejects(() => client.call("nope")), "internal"));
    const events: unknown[] = [];
    client.onEvent((e) => events.push(e));
    await client.subscribe();
    server.broadcast({ type: "message", n: 1 });
    for (let i = 0; i < 50 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assertEquals(events, [{ type: "message", n: 1 }]);
  } finally {
    client.close();
    await server.close();
  }
  assertEquals(await AgentClient.connect(dir.path), undefined, "no socket after close");
});

Deno.test("the agent drops a connection that sends garbage, and serves others", async () => {
  await using dir = await tempDir();
  const server = await startAgentServer(dir.path, { ping: () => Promise.resolve("pong") });
  try {
    const closed = new Promise<void>((resolve) => {
      const raw = createConnection(join(dir.path, "agent.sock"));
      raw.on("connect", () => raw.write("this is not json\n"));
      raw.on("close", () => resolve());
      raw.on("error", () => {});
    });
    await closed;
    const client = (await AgentClient.connect(dir.path))!;
    assertEquals(await client.call("ping"), "pong");
    client.close();
  } finally {
    await server.close();
  }
});

Deno.test("a second agent on the same data dir is refused; a stale socket file is replaced", async () => {
  await using dir = await tempDir();
  const first = await startAgentServer(dir.path, {});
  await assertRejects(() => startAgentServer(dir.path, {}));
  await first.close();
  await Deno.writeTextFile(join(dir.path, "agent.sock"), "stale");
  const second = await startAgentServer(dir.path, { ping: () => Promise.resolve("pong") });
  const client = (await AgentClient.connect(dir.path))!;
  assertEquals(await client.call("ping"), "pong");
  client.close();
  await second.close();
});
