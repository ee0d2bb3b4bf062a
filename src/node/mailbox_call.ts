/**
 * Where `mailbox open` and `mailbox close` reach the relay: through the running node (its tor, over
 * the agent), or — no node running — through tor brought up by this process (stopped again by the
 * context's cleanups).
 */
import { agentFor, localHost } from "./service_call.ts";
import { runService } from "./services.ts";
import { bringUpTor, type TorOptions } from "./tor_setup.ts";
import { type RelayDialer, socksRelayDialer } from "./relay_link.ts";
import type { NodeContext } from "./node_context.ts";
import type { ServiceParams, ServiceResult } from "./service_map.ts";

type Reaching = "mailbox.open" | "mailbox.close";

export async function mailboxCall<N extends Reaching>(
  ctx: NodeContext,
  name: N,
  params: ServiceParams<N>,
  tor: TorOptions,
  /** Dial through this instead of bringing tor up (tests: loopback). */
  dialer?: RelayDialer,
): Promise<ServiceResult<N>> {
  const agent = await agentFor(ctx);
  if (agent) return await agent.call(name, params);
  const host = await localHost(ctx);
  const relayDialer = dialer ?? socksRelayDialer((await bringUpTor(ctx, tor)).socks);
  return await runService({ ...host, relayDialer }, name, params);
}
