/** Opening the service host (libsignal context + messenger) over an unlocked store. */
import type { UnlockedStore } from "../store/open_store.ts";
import { SignalContext } from "../store/signal_context.ts";
import { Messenger } from "./messenger.ts";
import type { ServiceHost } from "./services.ts";
import type { EventSink } from "./events.ts";

export function openHost(store: UnlockedStore, now: () => number, emit?: EventSink): ServiceHost {
  const signal = SignalContext.open(store, now);
  return { signal, messenger: new Messenger({ store, signal, now, emit }) };
}
