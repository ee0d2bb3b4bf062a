import { assert, assertEquals, assertRejects } from "../../support/assert.ts";
import { join } from "node:path";
import { createConnection, createServer } from "node:net";
import process from "node:process";
import {
  type AgentDispatch,
  listenPrivately,
  startAgentServer,
} from "../../../src/node/agent_server.ts";
import { AgentClient } from "../../../src/node/agent_client.ts";
import type { ServiceName } from "../../../src/node/service_map.ts";
import { LegionError } from "../../../src/errors.ts";
import { tempDir } from "../../support/cli.ts";
import { isUserError } from "../../support/user_error.ts";

/** Answers `card.export` with the params it got and fails `contacts.show` like a missing contact. */
const dispatch: AgentDispatch = (name, params) => {
  if (name === "card.export") return Promise.resolve(JSON.stringify(params));
  if (name === "contacts.show") {
    return Promise.reject(
      new LegionError("no_input", "No contact named eve", { hint: "see contacts list" }),
    );
  }
  return Promise.resolve([]);
};

Deno.test("the agent answers calls, forwards LegionErrors and pushes events to subscribers", async () => {
  await using dir = await tempDir();
  await Deno.chmod(dir.path, 0o700);
  const server = await startAgentServer(dir.path, dispatch);
  const client = (await AgentClient.connect(dir.path))!;
  try {
    assertEquals((await Deno.stat(join(dir.path, "agent.sock"))).mode! & 0o777, 0o600);
    assertEquals(await client.call("card.export", { name: "a" }), '{"name":"a"}');
    const err = await assertRejects(() => client.call("contacts.show", { name: "eve" }));
    assert(isUserError(err, "no_input"));
    assertEquals((err as LegionError).hint, "see contacts list");
    const unknown = await assertRejects(() => client.call("nope" as ServiceName, {}));
    assert(isUserError(unknown, "internal"));
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
  const server = await startAgentServer(dir.path, dispatch);
  try {
    const closed = new Promise<void>((resolve) => {
      const raw = createConnection(join(dir.path, "agent.sock"));
      raw.on("connect", () => raw.write("this is not json\n"));
      raw.on("close", () => resolve());
      raw.on("error", () => {});
    });
    await closed;
    const client = (await AgentClient.connect(dir.path))!;
    assertEquals(await client.call("queue.list", {}), []);
    client.close();
  } finally {
    await server.close();
  }
});

Deno.test("a second agent on the same data dir is refused; a stale socket file is replaced", async () => {
  await using dir = await tempDir();
  const first = await startAgentServer(dir.path, dispatch);
  await assertRejects(() => startAgentServer(dir.path, dispatch));
  await first.close();
  await Deno.writeTextFile(join(dir.path, "agent.sock"), "stale");
  const second = await startAgentServer(dir.path, dispatch);
  const client = (await AgentClient.connect(dir.path))!;
  assertEquals(await client.call("queue.list", {}), []);
  client.close();
  await second.close();
});

Deno.test("the agent socket is 0600 from its creation, whatever the umask", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "agent.sock");
  const server = createServer();
  const umask = process.umask(0);
  try {
    await listenPrivately(server, path);
    // No chmod has run: this is the mode the socket was born with.
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    assertEquals(process.umask(0), 0, "the process umask is restored");
  } finally {
    process.umask(umask);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
