/**
 * What commands ask of an unlocked store, by name: the same functions run in-process (the command
 * unlocked the store itself) or inside a running node, reached over the agent socket. Params and
 * results are plain JSON.
 */
import type { SignalContext } from "../store/signal_context.ts";
import type { Contact } from "../store/contacts.ts";
import { importCard, markVerified, renameContact } from "../store/contacts_import.ts";
import { toHex } from "../crypto/hex.ts";
import type { Messenger } from "./messenger.ts";
import type { Deliverer } from "./outbound.ts";
import { flushQueue } from "./queue_run.ts";
import { LegionError } from "../errors.ts";

export interface ServiceHost {
  signal: SignalContext;
  messenger: Messenger;
  /** Present inside a running node only. */
  deliverer?: Deliverer;
}

// deno-lint-ignore no-explicit-any
type Params = any;
type Service = (host: ServiceHost, params: Params) => unknown;

export function contactSummary(contact: Contact): Record<string, unknown> {
  return {
    name: contact.name,
    onion: contact.onion,
    ed25519: toHex(contact.ed25519),
    verified: contact.verified,
    addedAt: new Date(contact.addedAt).toISOString(),
    cardExpires: new Date(contact.card.expires).toISOString(),
    ...(contact.keyChangedAt === undefined
      ? {}
      : { keyChangedAt: new Date(contact.keyChangedAt).toISOString() }),
  };
}

export const SERVICES: Readonly<Record<string, Service>> = {
  "card.export": (host, p: { name?: string; validityMs?: number }) => host.signal.exportCard(p),
  "card.import": async (host, p: { text: string; name?: string; replace?: boolean }) => {
    const result = await importCard(host.signal, p.text, {
      now: host.messenger.now(),
      name: p.name,
      replace: p.replace,
    });
    return { status: result.status, ...contactSummary(result.contact) };
  },
  "contacts.list": (host) => host.signal.contacts.list().map(contactSummary),
  "contacts.show": (host, p: { name: string }) => {
    const contact = host.signal.contact(p.name);
    return { ...contactSummary(contact), safetyNumber: host.signal.safetyNumber(contact) };
  },
  "contacts.rename": (host, p: { from: string; to: string }) =>
    contactSummary(renameContact(host.signal, p.from, p.to)),
  "contacts.remove": (host, p: { name: string }) => {
    const contact = host.signal.contact(p.name);
    host.signal.removeContact(contact);
    return contactSummary(contact);
  },
  "contacts.verify": (host, p: { name: string; mark?: boolean }) => {
    let contact = host.signal.contact(p.name);
    if (p.mark) contact = markVerified(host.signal, contact, true);
    return { ...contactSummary(contact), safetyNumber: host.signal.safetyNumber(contact) };
  },
  "send": (host, p: { to: string; text: string; ttlSeconds?: number; burn?: boolean }) =>
    host.messenger.sendText(p.to, p.text, p),
  "inbox": (
    host,
    p: { name?: string; unreadOnly?: boolean; markRead?: boolean; includeSent?: boolean },
  ) => host.messenger.inbox(p),
  "queue.list": (host) => host.messenger.queueList(),
  "queue.cancel": (host, p: { id: string }) => host.messenger.cancel(p.id),
  "queue.flush": (host, p: { timeoutMs?: number }) => {
    if (!host.deliverer) throw new LegionError("config", "Only a running node can flush its queue");
    return flushQueue(host.messenger, host.deliverer, p.timeoutMs ?? 120_000);
  },
  "burn": (host, p: { ids: string[] } | { conversation: string }) => host.messenger.burn(p),
};

export type ServiceName = keyof typeof SERVICES;

/** Runs a service on a host; unknown names are a programming error. */
export async function runService(
  host: ServiceHost,
  method: string,
  params: unknown,
): Promise<unknown> {
  const service = Object.hasOwn(SERVICES, method) ? SERVICES[method] : undefined;
  if (!service) throw new RangeError(`unknown service ${method}`);
  return await service(host, params ?? {});
}
