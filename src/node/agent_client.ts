/** Client side of the local agent (see agent_protocol.ts): used by commands when a node runs. */
import { existsSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { LegionError, ReasonError } from "../errors.ts";
import { StoreError, type StoreErrorReason } from "../store/store_error.ts";
import { homeLayout } from "../store/layout.ts";
import { type AgentError, type AgentReply, LineSplitter } from "./agent_protocol.ts";
import type { ServiceName, ServiceParams, ServiceResult } from "./service_map.ts";

export class AgentClient {
  #nextId = 1;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  readonly #eventListeners = new Set<(event: Record<string, unknown>) => void>();
  readonly #closeListeners = new Set<() => void>();
  #closed = false;

  private constructor(private readonly socket: Socket) {
    const lines = new LineSplitter();
    socket.on("data", (chunk: Uint8Array) => {
      let replies: string[];
      try {
        replies = lines.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const line of replies) this.#dispatch(JSON.parse(line) as AgentReply);
    });
    const failAll = () => {
      this.#closed = true;
      for (const listener of this.#closeListeners) listener();
      this.#closeListeners.clear();
      for (const { reject } of this.#pending.values()) {
        reject(new LegionError("retry_later", "The running node closed the connection"));
      }
      this.#pending.clear();
    };
    socket.on("close", failAll);
    socket.on("error", failAll);
  }

  /** Connects to the node of `home`, or returns `undefined` when no node is running there. */
  static async connect(home: string): Promise<AgentClient | undefined> {
    const path = homeLayout(home).agentSocket;
    if (!existsSync(path)) return undefined;
    return await new Promise((resolve) => {
      const socket = createConnection(path);
      socket.once("connect", () => resolve(new AgentClient(socket)));
      socket.once("error", () => resolve(undefined));
    });
  }

  /** Runs a service in the node (see service_map.ts for each name's params and result). */
  call<N extends ServiceName>(method: N, params: ServiceParams<N>): Promise<ServiceResult<N>> {
    return this.#request(method, params) as Promise<ServiceResult<N>>;
  }

  #request(method: string, params: unknown): Promise<unknown> {
    if (this.#closed) {
      return Promise.reject(
        new LegionError("retry_later", "The running node closed the connection"),
      );
    }
    const id = this.#nextId++;
    return new Promise<unknown>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.socket.write(JSON.stringify({ id, method, params }) + "\n");
    });
  }

  /** Receives the node's events (after `subscribe()`). */
  onEvent(listener: (event: Record<string, unknown>) => void): void {
    this.#eventListeners.add(listener);
  }

  /** Called once when the node closes the connection (it stopped). */
  onClose(listener: () => void): void {
    if (this.#closed) listener();
    else this.#closeListeners.add(listener);
  }

  async subscribe(): Promise<void> {
    await this.#request("subscribe", {});
  }

  close(): void {
    this.socket.destroy();
  }

  #dispatch(reply: AgentReply): void {
    if ("event" in reply) {
      for (const listener of this.#eventListeners) listener(reply.event);
      return;
    }
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if ("error" in reply) {
      pending.reject(fromAgentError(reply.error));
    } else {
      pending.resolve(reply.result);
    }
  }
}

/** The node's error, rebuilt: the same code, or the same class name and reason. */
function fromAgentError(error: AgentError): Error {
  if ("code" in error) return new LegionError(error.code, error.message, { hint: error.hint });
  if (error.name === "StoreError") {
    return new StoreError(error.reason as StoreErrorReason, error.message);
  }
  const rebuilt = new ReasonError(error.reason, error.message, { hint: error.hint });
  rebuilt.name = error.name;
  return rebuilt;
}
