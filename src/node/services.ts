/**
 * What commands ask of an unlocked store, by name (service_map.ts gives each name's params and
 * result): the same functions run in-process (the command unlocked the store itself) or inside
 * a running node, reached over the agent socket.
 */
import type { SignalContext } from "../store/signal_context.ts";
import type { Contact } from "../store/contacts.ts";
import { importCard, markVerified, renameContact } from "../store/contacts_import.ts";
import { toHex } from "../crypto/hex.ts";
import { fromBase64, toBase64 } from "../crypto/base64.ts";
import { keyFingerprint } from "../crypto/fingerprint.ts";
import { onionAddress } from "../crypto/onion.ts";
import { loadIdentity } from "../store/identity_store.ts";
import type { Messenger } from "./messenger.ts";
import type { Deliverer } from "./outbound.ts";
import { flushQueue } from "./flush.ts";
import { type CardFetcher, importShortCard } from "./short_card_import.ts";
import type {
  ContactSummary,
  IdentitySummary,
  ServiceName,
  ServiceParams,
  ServiceResult,
} from "./service_map.ts";
import { LegionError } from "../errors.ts";
import type { RelayDialer } from "./relay_link.ts";
import { fetchMailboxes } from "./relay_fetch.ts";
import { closeMailboxAt, listMailboxInfo, openMailboxAt, relayCommitment } from "./mailbox_ops.ts";
import type { GroupHub } from "./group_hub.ts";
import { resolveIdPrefix } from "../store/id_prefix.ts";
import { getMessage } from "../store/messages.ts";

export interface ServiceHost {
  signal: SignalContext;
  messenger: Messenger;
  /** Present inside a running node only. */
  deliverer?: Deliverer;
  /** Present inside a running node only: stops it. */
  shutdown?: () => void;
  /** Fetches a card by hash from a peer's onion: the node's transport, or tor brought up for it. */
  fetchCard?: CardFetcher;
  /** Opens streams to relays: the node's tor, or tor brought up for the command. */
  relayDialer?: RelayDialer;
}

function dialerOf(host: ServiceHost): RelayDialer {
  if (!host.relayDialer) throw new LegionError("internal", "no way to reach a relay here");
  return host.relayDialer;
}

type Service<N extends ServiceName> = (
  host: ServiceHost,
  params: ServiceParams<N>,
) => ServiceResult<N> | Promise<ServiceResult<N>>;

export type ServiceTable = { readonly [N in ServiceName]: Service<N> };

export function contactSummary(contact: Contact): ContactSummary {
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

async function identitySummary(signal: SignalContext): Promise<IdentitySummary> {
  const identity = loadIdentity(signal.db, signal.sealer);
  identity.seed.fill(0);
  identity.zkSecret.fill(0);
  return {
    onion: `${onionAddress(identity.publicKey)}.onion`,
    publicKey: toHex(identity.publicKey),
    fingerprint: await keyFingerprint(identity.publicKey),
    createdAt: new Date(identity.createdAt).toISOString(),
  };
}

/** Open `save` reads of group attachments (inline, so whole in memory: ≤ 1 MiB each). */
const groupReads = new Map<
  string,
  { bytes: Uint8Array; at: number; burn: () => Promise<void> }
>();
const GROUP_READ_SLICE = 256 * 1024;

/** The group engine loads (ts-mls, every group) only for group services. */
async function groups(host: ServiceHost): Promise<GroupHub> {
  const { groupHub } = await import("./group_hub.ts");
  return await groupHub(host.messenger);
}

function runningNode<T>(part: T | undefined): T {
  if (part === undefined) throw new LegionError("config", "Only a running node offers this");
  return part;
}

export const SERVICES: ServiceTable = {
  "whoami": (host) => identitySummary(host.signal),
  "card.export": (host, p) => host.signal.exportCard(p),
  "card.import": async (host, p) => {
    const result = await importCard(host.signal, p.text, {
      now: host.messenger.now(),
      name: p.name,
      replace: p.replace,
    });
    return { status: result.status, ...contactSummary(result.contact) };
  },
  "card.import_short": async (host, p) => {
    const fetchCard = host.fetchCard;
    if (fetchCard === undefined) throw new LegionError("config", "Fetching a card needs tor");
    const result = await importShortCard(host.signal, p.short, fetchCard, {
      now: host.messenger.now(),
      name: p.name,
      replace: p.replace,
    });
    return { status: result.status, ...contactSummary(result.contact) };
  },
  "contacts.list": (host) => host.signal.contacts.list().map(contactSummary),
  "contacts.show": (host, p) => {
    const contact = host.signal.contact(p.name);
    return { ...contactSummary(contact), safetyNumber: host.signal.safetyNumber(contact) };
  },
  "contacts.rename": async (host, p) =>
    contactSummary(await renameContact(host.signal, p.from, p.to)),
  "contacts.remove": async (host, p) => {
    const contact = host.signal.contact(p.name);
    await host.signal.removeContact(contact);
    return contactSummary(contact);
  },
  "contacts.verify": async (host, p) => {
    let contact = host.signal.contact(p.name);
    if (p.mark) contact = await markVerified(host.signal, contact, true);
    return { ...contactSummary(contact), safetyNumber: host.signal.safetyNumber(contact) };
  },
  "send": (host, p) => host.messenger.sendText(p.to, p.text, p),
  "mailbox.open": (host, p) => openMailboxAt(host.messenger, dialerOf(host), p.card),
  "mailbox.list": (host) => listMailboxInfo(host.messenger),
  "mailbox.close": (host, p) => closeMailboxAt(host.messenger, dialerOf(host), p.id),
  "mailbox.id": async (host) => ({ commitment: await relayCommitment(host.messenger) }),
  "inbox": (host, p) => host.messenger.inbox(p),
  "file.begin": async (host, p) => ({ handle: await host.messenger.uploads.begin(p) }),
  "file.append": async (host, p) => {
    const data = fromBase64(p.data);
    if (!data) throw new LegionError("usage", "file.append: data is not base64");
    return { size: await host.messenger.uploads.append(p.handle, data) };
  },
  "file.finish": (host, p) => host.messenger.uploads.finish(p.handle),
  "file.abort": async (host, p) => {
    await host.messenger.uploads.abort(p.handle);
    return {};
  },
  "file.open": async (host, p) => {
    let id: Uint8Array;
    try {
      id = resolveIdPrefix(host.messenger.store.db, p.id, {
        table: "messages",
        missing: `No attachment ${p.id}`,
        hint: "see `legion inbox` (groups: `legion inbox --group NAME`)",
      });
      if (!getMessage(host.messenger.store.db, host.messenger.store.sealer, id)) {
        throw new LegionError("no_input", `No attachment ${p.id}`);
      }
    } catch (err) {
      // Not a 1:1 message: perhaps a group post's inline attachment.
      if (!(err instanceof LegionError) || err.code !== "no_input") throw err;
      const found = (await groups(host)).attachment(p.id);
      if (!found) throw err;
      const handle = `g${toHex(crypto.getRandomValues(new Uint8Array(12)))}`;
      groupReads.set(handle, { bytes: found.bytes, at: 0, burn: found.burn });
      return { handle, id: found.id, attachment: found.record };
    }
    const message = getMessage(host.messenger.store.db, host.messenger.store.sealer, id);
    const attachment = message && host.messenger.record(message).attachment;
    if (!attachment) throw new LegionError("no_input", `Message ${p.id} is not an attachment`);
    const { handle } = await host.messenger.downloads.open(id);
    return { handle, id: toHex(id), attachment };
  },
  "file.read": async (host, p) => {
    const inline = groupReads.get(p.handle);
    if (inline) {
      const data = inline.bytes.subarray(inline.at, inline.at + GROUP_READ_SLICE);
      inline.at += data.length;
      const done = inline.at >= inline.bytes.length;
      if (done) {
        groupReads.delete(p.handle);
        await inline.burn(); // a burn-after-reading attachment burns once saved, as in 1:1
      }
      return { data: toBase64(data), done };
    }
    const { data, done, id } = await host.messenger.downloads.read(p.handle);
    if (done) await host.messenger.burnSaved(id);
    return { data: toBase64(data), done };
  },
  "file.close": (host, p) => {
    if (groupReads.delete(p.handle)) return {};
    host.messenger.downloads.close(p.handle);
    return {};
  },
  "queue.list": (host) => host.messenger.queueList(),
  "queue.cancel": (host, p) => host.messenger.cancel(p.id),
  "queue.flush": async (host, p) => {
    const deliverer = runningNode(host.deliverer);
    if (host.relayDialer) await fetchMailboxes(host.messenger, host.relayDialer);
    return await flushQueue(host.messenger, deliverer, p.timeoutMs ?? 120_000);
  },
  "burn": (host, p) => host.messenger.burn(p),
  "group.create": async (host, p) => (await groups(host)).create(p.name, p.members),
  "group.add": async (host, p) => (await groups(host)).add(p.name, p.members),
  "group.remove": async (host, p) => (await groups(host)).remove(p.name, p.members),
  "group.leave": async (host, p) => (await groups(host)).leave(p.name),
  "group.dissolve": async (host, p) => (await groups(host)).dissolve(p.name),
  "group.accept": async (host, p) => (await groups(host)).accept(p.name),
  "group.decline": async (host, p) => (await groups(host)).decline(p.name),
  "group.list": async (host) => (await groups(host)).list(),
  "group.members": async (host, p) => (await groups(host)).members(p.name),
  "group.invites": async (host) => (await groups(host)).invites(),
  "group.send": async (host, p) => (await groups(host)).send(p.name, p.text, p),
  "group.send_file": async (host, p) => {
    const bytes = fromBase64(p.data);
    if (!bytes) throw new LegionError("usage", "group.send_file: data is not base64");
    return (await groups(host)).sendAttachment(p.name, {
      kind: p.kind,
      name: p.fileName,
      mime: p.mime,
      bytes,
      width: p.width,
      height: p.height,
      durationMs: p.durationMs,
    }, p);
  },
  "group.pending": async (host, p) => ({
    pending: (await groups(host)).pending(p.items),
  }),
  "group.inbox": async (host, p) => (await groups(host)).posts(p),
  "node.shutdown": (host) => {
    const shutdown = runningNode(host.shutdown);
    setTimeout(shutdown, 0);
    return { stopping: true };
  },
};

/** Runs a service on a host. */
export async function runService<N extends ServiceName>(
  host: ServiceHost,
  name: N,
  params: ServiceParams<N>,
): Promise<ServiceResult<N>> {
  const service = SERVICES[name] as Service<N>;
  return await service(host, params);
}

/** True when `name` is a service (agent requests name them as plain strings). */
export function isServiceName(name: string): name is ServiceName {
  return Object.hasOwn(SERVICES, name);
}
