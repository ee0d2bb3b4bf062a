/**
 * The registry of group peers: the members of my groups as the group engine last set them
 * (store/group_peers.ts, sealed). The hello admits a peer whose key is a contact or in here; a
 * peer that is only in here may deliver group envelopes and nothing else (receive.ts), and the
 * queue dials it at the onion recorded here. The engine may pass a group's whole roster: a member
 * who is also a contact is admitted as a contact anyway, and stays reachable if it stops being one.
 */
import type { UnlockedStore } from "../store/open_store.ts";
import type { KnownPeers } from "../protocol/known_peers.ts";
import {
  type GroupPeer,
  groupPeerRecords,
  isGroupPeer,
  peerTag,
  replaceGroupPeers,
} from "../store/group_peers.ts";

export type { GroupPeer } from "../store/group_peers.ts";

export class GroupPeers implements KnownPeers {
  constructor(
    private readonly store: Pick<UnlockedStore, "db" | "sealer" | "write">,
    private readonly indexKey: Uint8Array,
    private readonly ownKey: Uint8Array,
  ) {}

  /** Whether `publicKey` is a member of one of my groups. */
  has(publicKey: Uint8Array): boolean {
    return isGroupPeer(this.store.db, this.indexKey, publicKey);
  }

  /** The member's key and onion, if it is one. */
  peer(publicKey: Uint8Array): GroupPeer | undefined {
    const [record] = groupPeerRecords(this.store.db, this.store.sealer, this.indexKey, publicKey);
    return record && { publicKey: record.publicKey, onion: record.onion };
  }

  /** The ids of the groups that justify admitting `publicKey`. */
  groupsOf(publicKey: Uint8Array): Uint8Array[] {
    return groupPeerRecords(this.store.db, this.store.sealer, this.indexKey, publicKey)
      .map((record) => record.groupId);
  }

  /** The keyed tag that names this peer's queue (store/group_outbox.ts). */
  tag(publicKey: Uint8Array): Uint8Array {
    return peerTag(this.indexKey, publicKey);
  }

  /**
   * Sets the members of one group (replacing what was set before; an empty list forgets the
   * group). My own key, if listed, is skipped. Joins the caller's write if it runs in one.
   * @throws {RangeError} on a key that is not 32 bytes or an onion that is not the key's
   */
  setGroupPeers(groupId: Uint8Array, peers: readonly GroupPeer[]): Promise<void> {
    const own = this.ownKey;
    const others = peers.filter((peer) =>
      !(peer.publicKey.length === own.length && peer.publicKey.every((b, i) => b === own[i]))
    );
    return this.store.write(() =>
      replaceGroupPeers(this.store.db, this.store.sealer, this.indexKey, groupId, others)
    );
  }
}
