/** The identity row: all key material in one sealed record; only the creation time is plain. */
import type { Database } from "./db.ts";
import type { SealedAt, Sealer } from "./sealer.ts";
import type { IdentityKeys } from "../crypto/phrase_keys.ts";
import { fromHex, toHex } from "../crypto/hex.ts";
import { LegionError } from "../errors.ts";

export interface StoredIdentity extends IdentityKeys {
  createdAt: number;
}

/** The one identity row (id 1). */
const AT: SealedAt = { label: "identity.keys", row: 1 };

export function saveIdentity(
  db: Database,
  sealer: Sealer,
  keys: IdentityKeys,
  createdAt: number,
): void {
  const sealed = sealer.sealJson(AT, {
    seed: toHex(keys.seed),
    publicKey: toHex(keys.publicKey),
    zkSecret: toHex(keys.zkSecret),
  });
  db.prepare("INSERT INTO identity (id, keys_sealed, created_at) VALUES (1, ?, ?)").run(
    sealed,
    createdAt,
  );
}

export function loadIdentity(db: Database, sealer: Sealer): StoredIdentity {
  const row = db.prepare("SELECT keys_sealed, created_at FROM identity WHERE id = 1").get() as
    | { keys_sealed: Uint8Array; created_at: number }
    | undefined;
  if (!row) {
    throw new LegionError("no_identity", "This data dir has no identity", {
      hint: "run `legion init` first",
    });
  }
  const keys = sealer.openJson<Record<"seed" | "publicKey" | "zkSecret", string>>(
    AT,
    new Uint8Array(row.keys_sealed),
  );
  return {
    seed: fromHex(keys.seed),
    publicKey: fromHex(keys.publicKey),
    zkSecret: fromHex(keys.zkSecret),
    createdAt: Number(row.created_at),
  };
}
