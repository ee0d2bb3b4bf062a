/**
 * The running node's local agent: serves commands over `agent.sock` so `send`, `inbox`, `queue`,
 * `contacts` and `card export` work without the passphrase and without Argon2id per call.
 *
 * Only the same user can connect: the socket lives in the 0700 data dir and is itself 0600.
 */
import { chmodSync, rmSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import process from "node:process";
import { isLegionError, isReasonError } from "../errors.ts";
import { storeErrorOf } from "../store/store_error.ts";
import { homeLayout } from "../store/layout.ts";
import {
  type AgentError,
  type AgentReply,
  type AgentRequest,
  LineSplitter,
} from "./agent_protocol.ts";
import { isServiceName } from "./services.ts";
import type { ServiceName } from "./service_map.ts";

/** Runs a named service for a client; params are the client's JSON, typed by service_map.ts. */
export type AgentDispatch = (name: ServiceName, params: unknown) => Promise<unknown>;

export interface AgentServer {
  /** Sends an event to every subscribed connection. */
  broadcast(event: Record<string, unknown>): void;
  close(): Promise<void>;
}

export async function startAgentServer(
  home: string,
  dispatch: AgentDispatch,
): Promise<AgentServer> {
  const path = homeLayout(home).agentSocket;
  await removeStaleSocket(path);
  const subscribers = new Set<Socket>();
  const connections = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections.add(socket);
    socket.on("close", () => {
      connections.delete(socket);
      subscribers.delete(socket);
    });
    socket.on("error", () => socket.destroy());
    const lines = new LineSplitter();
    socket.on("data", (chunk: Uint8Array) => {
      let requests: string[];
      try {
        requests = lines.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      // answer() replies with any error it meets; should the reply itself fail, drop the socket.
      for (const line of requests) answer(socket, line).catch(() => socket.destroy());
    });
  });

  async function answer(socket: Socket, line: string): Promise<void> {
    let request: AgentRequest;
    try {
      request = JSON.parse(line);
      if (typeof request.id !== "number" || typeof request.method !== "string") throw new Error();
    } catch {
      socket.destroy();
      return;
    }
    let reply: AgentReply;
    if (request.method === "subscribe") {
      subscribers.add(socket);
      reply = { id: request.id, result: { subscribed: true } };
    } else {
      const method = request.method;
      try {
        if (!isServiceName(method)) throw new RangeError(`unknown agent method ${method}`);
        reply = { id: request.id, result: await dispatch(method, request.params ?? {}) };
      } catch (err) {
        reply = { id: request.id, error: agentError(err) };
      }
    }
    if (!socket.destroyed) socket.write(JSON.stringify(reply) + "\n");
  }

  await listenPrivately(server, path);
  chmodSync(path, 0o600); // only confirms the mode the socket was created with

  return {
    broadcast(event) {
      const line = JSON.stringify({ event } satisfies AgentReply) + "\n";
      for (const socket of subscribers) if (!socket.destroyed) socket.write(line);
    },
    async close() {
      for (const socket of connections) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(path, { force: true });
    },
  };
}

/** Binds `server` at `path` with the socket created 0600 (umask), never wider even for a moment. */
export async function listenPrivately(server: Server, path: string): Promise<void> {
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => resolve());
    });
  } finally {
    process.umask(umask);
  }
}

/** A socket file left by a node that died is removed; a live one means a node is running. */
async function removeStaleSocket(path: string): Promise<void> {
  const alive = await new Promise<boolean>((resolve) => {
    const probe = createConnection(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
  if (alive) throw new Error("another node is already serving this data dir");
  rmSync(path, { force: true });
}

/**
 * An error as the client will rebuild it (agent_client.ts): a LegionError by its code, a storage
 * failure (also one underneath a LegionError) as a StoreError, a lower layer's error by class and
 * reason.
 */
function agentError(err: unknown): AgentError {
  if (isLegionError(err)) {
    const storage = storeErrorOf(err.cause);
    if (!storage || storage.reason === "missing") {
      return { code: err.code, message: err.message, hint: err.hint };
    }
  }
  const storage = storeErrorOf(err);
  if (storage) return { name: storage.name, reason: storage.reason, message: storage.message };
  if (isReasonError(err)) {
    return { name: err.name, reason: err.reason, message: err.message, hint: err.hint };
  }
  return { code: "internal", message: (err as Error).message };
}
