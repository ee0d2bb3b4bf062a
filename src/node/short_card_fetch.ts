/**
 * Where `card import` of a short form fetches the full card: through the running node (its
 * transport, over the agent's `card.import_short`), or — no node running — through tor brought
 * up by this process as `send --wait` does (stopped again by the context's cleanups).
 */
import { agentFor, localHost } from "./service_call.ts";
import { runService } from "./services.ts";
import { bringUpTor, type TorOptions, torTransport } from "./tor_setup.ts";
import { nodeTransportOptions } from "./transport_identity.ts";
import type { TransportFactory } from "./node.ts";
import type { NodeContext } from "./node_context.ts";
import type { ServiceParams, ServiceResult } from "./service_map.ts";

type Params = ServiceParams<"card.import_short">;
type Result = ServiceResult<"card.import_short">;

export async function importShortCardVia(
  ctx: NodeContext,
  params: Params,
  tor: TorOptions,
  /** Dial through this instead of bringing tor up (tests: the in-memory network). */
  transport?: TransportFactory,
): Promise<Result> {
  const agent = await agentFor(ctx);
  if (agent) return await agent.call("card.import_short", params);
  const host = await localHost(ctx);
  const factory = transport ?? torTransport(await bringUpTor(ctx, tor));
  const identity = nodeTransportOptions(host.messenger.store, host.signal, () => ctx.now());
  ctx.onCleanup(() => identity.wipe());
  const dialer = factory(identity.options);
  return await runService(
    { ...host, fetchCard: (onion, hash) => dialer.fetchCard(onion, hash, { signal: ctx.signal }) },
    "card.import_short",
    params,
  );
}
