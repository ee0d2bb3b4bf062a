/**
 * How a command reaches the services: through the running node's agent socket when there is one
 * (no passphrase, no Argon2id), else by unlocking the store in this process.
 */
import { AgentClient } from "./agent_client.ts";
import { assertPrivateHome } from "../store/home_mode.ts";
import type { ServiceHost } from "./services.ts";
import type { NodeContext } from "./node_context.ts";
import type { ServiceName, ServiceParams, ServiceResult } from "./service_map.ts";

const hosts = new WeakMap<NodeContext, Promise<ServiceHost>>();
const agents = new WeakMap<NodeContext, Promise<AgentClient | undefined>>();

/**
 * The running node's agent for this context's data dir, if a node runs (connected once). A data
 * dir open to other users is refused first (its socket could be anyone's).
 */
export function agentFor(ctx: NodeContext): Promise<AgentClient | undefined> {
  let agent = agents.get(ctx);
  if (!agent) {
    assertPrivateHome(ctx.home);
    agent = AgentClient.connect(ctx.home).then((client) => {
      if (client) ctx.onCleanup(() => client.close());
      return client;
    });
    agents.set(ctx, agent);
  }
  return agent;
}

/** A host over this process's own unlocked store (asks for the passphrase once). */
export function localHost(ctx: NodeContext): Promise<ServiceHost> {
  let host = hosts.get(ctx);
  if (!host) {
    // libsignal loads only here: commands served by a running node never pay for it.
    host = Promise.all([ctx.unlock(), import("./host.ts")]).then(([store, { openHost }]) =>
      openHost(store, () => ctx.now())
    );
    hosts.set(ctx, host);
  }
  return host;
}

export async function callService<N extends ServiceName>(
  ctx: NodeContext,
  name: N,
  params: ServiceParams<N>,
): Promise<ServiceResult<N>> {
  const agent = await agentFor(ctx);
  if (agent) return await agent.call(name, params);
  const { runService } = await import("./services.ts");
  return await runService(await localHost(ctx), name, params);
}
