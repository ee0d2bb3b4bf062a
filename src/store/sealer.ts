/**
 * Sealing with the vault key: XChaCha20-Poly1305 (libsodium `crypto_aead_xchacha20poly1305_ietf`)
 * with a random 24-byte nonce, bound to the column and the row the value belongs to.
 *
 *   sealed = VERSION (0x02) (1) || nonce (24) || ciphertext || tag (16)
 *   AD     = "legion/v2/" || label || "@" || row
 *            row = "#" || decimal integer | "x" || lowercase hex bytes | "s" || text
 *            e.g. "legion/v2/messages.body@x00ff…/3/in", "legion/v2/identity.keys@#1"
 *
 * The AD binds each value to where it belongs: a sealed value copied into another column, file
 * or row does not open there (swapping two messages' bodies, or moving a contact's record under
 * another id, fails authentication). Random 192-bit nonces are safe to draw for every write.
 * Version 1 values (label-only AD) are refused as malformed.
 */
import { LegionError } from "../errors.ts";
import type { Sodium } from "../crypto/sodium.ts";
import { toHex } from "../crypto/hex.ts";

const VERSION = 0x02;
const NONCE_BYTES = 24;
const TAG_BYTES = 16;
const LABEL = /^[a-z0-9_.+\/-]+$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Where a sealed value lives: its column's label and its row's key (id, tag or composite). */
export interface SealedAt {
  label: string;
  row: number | string | Uint8Array;
}

export class Sealer {
  readonly #key: Uint8Array;

  constructor(private readonly na: Sodium, key: Uint8Array) {
    if (key.length !== 32) throw new RangeError("vault key must be 32 bytes");
    this.#key = key;
  }

  seal(at: SealedAt, plaintext: Uint8Array): Uint8Array {
    const nonce = this.na.randombytes_buf(NONCE_BYTES);
    const ciphertext = this.na.crypto_aead_xchacha20poly1305_ietf_encrypt(
      plaintext,
      ad(at),
      null,
      nonce,
      this.#key,
    );
    const out = new Uint8Array(1 + NONCE_BYTES + ciphertext.length);
    out[0] = VERSION;
    out.set(nonce, 1);
    out.set(ciphertext, 1 + NONCE_BYTES);
    return out;
  }

  /** Opens a sealed value; tampering, truncation, a wrong label or row is a `bad_data` error. */
  open(at: SealedAt, sealed: Uint8Array): Uint8Array {
    const additional = ad(at);
    if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== VERSION) {
      throw new LegionError("bad_data", `Sealed value ${at.label} is malformed`);
    }
    try {
      return this.na.crypto_aead_xchacha20poly1305_ietf_decrypt(
        null,
        sealed.subarray(1 + NONCE_BYTES),
        additional,
        sealed.subarray(1, 1 + NONCE_BYTES),
        this.#key,
      );
    } catch {
      throw new LegionError("bad_data", `Sealed value ${at.label} failed authentication`);
    }
  }

  sealText(at: SealedAt, text: string): Uint8Array {
    return this.seal(at, encoder.encode(text));
  }

  openText(at: SealedAt, sealed: Uint8Array): string {
    return decoder.decode(this.open(at, sealed));
  }

  sealJson(at: SealedAt, value: unknown): Uint8Array {
    return this.sealText(at, JSON.stringify(value));
  }

  openJson<T>(at: SealedAt, sealed: Uint8Array): T {
    return JSON.parse(this.openText(at, sealed)) as T;
  }

  /** Overwrites the key in memory; the sealer is unusable afterwards. */
  wipe(): void {
    this.na.memzero(this.#key);
  }
}

function ad({ label, row }: SealedAt): Uint8Array {
  if (!LABEL.test(label)) throw new TypeError(`bad seal label ${JSON.stringify(label)}`);
  let key: string;
  if (typeof row === "number") {
    if (!Number.isSafeInteger(row)) throw new TypeError("a numeric row key must be an integer");
    key = `#${row}`;
  } else if (typeof row === "string") {
    key = `s${row}`;
  } else {
    key = `x${toHex(row)}`;
  }
  return encoder.encode(`legion/v2/${label}@${key}`);
}
