/**
 * How a command reaches the services: through the running node's agent socket when there is one
 * (no passphrase, no Argon2id), else by unlocking the store in this process.
 */
import type { Invocation } from "../cli/invocation.ts";
import { AgentClient } from "./agent_client.ts";
import type { ServiceHost } from "./services.ts";

const hosts = new WeakMap<Invocation, Promise<ServiceHost>>();
const agents = new WeakMap<Invocation, Promise<AgentClient | undefined>>();

/** The running node's agent for this invocation's data dir, if a node runs (connected once). */
export function agentFor(inv: Invocation): Promise<AgentClient | undefined> {
  let agent = agents.get(inv);
  if (!agent) {
    agent = AgentClient.connect(inv.home).then((client) => {
      if (client) inv.onCleanup(() => client.close());
      return client;
    });
    agents.set(inv, agent);
  }
  return agent;
}

/** A host over this process's own unlocked store (asks for the passphrase once). */
export function localHost(inv: Invocation): Promise<ServiceHost> {
  let host = hosts.get(inv);
  if (!host) {
    // libsignal loads only here: commands served by a running node never pay for it.
    host = Promise.all([inv.unlock(), import("./host.ts")]).then(([store, { openHost }]) =>
      openHost(store, inv.ctx.now)
    );
    hosts.set(inv, host);
  }
  return host;
}

export async function callService<T>(inv: Invocation, method: string, params: unknown): Promise<T> {
  const agent = await agentFor(inv);
  if (agent) return await agent.call<T>(method, params);
  const { runService } = await import("./services.ts");
  return await runService(await localHost(inv), method, params) as T;
}
