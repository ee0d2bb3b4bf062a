/**
 * Sealing with the vault key: XChaCha20-Poly1305 (libsodium `crypto_aead_xchacha20poly1305_ietf`)
 * with a random 24-byte nonce and the column's label as associated data.
 *
 *   sealed = VERSION (1) || nonce (24) || ciphertext || tag (16)
 *   AD     = "legion/v1/" || label        e.g. "legion/v1/identity.keys"
 *
 * The AD binds each value to where it belongs, so a sealed value copied into another column or
 * file does not open there. Random 192-bit nonces are safe to draw for every write.
 */
import { LegionError } from "../errors.ts";
import type { Sodium } from "../crypto/sodium.ts";

const VERSION = 0x01;
const NONCE_BYTES = 24;
const TAG_BYTES = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class Sealer {
  readonly #key: Uint8Array;

  constructor(private readonly na: Sodium, key: Uint8Array) {
    if (key.length !== 32) throw new RangeError("vault key must be 32 bytes");
    this.#key = key;
  }

  seal(label: string, plaintext: Uint8Array): Uint8Array {
    const nonce = this.na.randombytes_buf(NONCE_BYTES);
    const ciphertext = this.na.crypto_aead_xchacha20poly1305_ietf_encrypt(
      plaintext,
      ad(label),
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

  /** Opens a sealed value; tampering, truncation or a wrong label is a `bad_data` error. */
  open(label: string, sealed: Uint8Array): Uint8Array {
    if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== VERSION) {
      throw new LegionError("bad_data", `Sealed value ${label} is malformed`);
    }
    try {
      return this.na.crypto_aead_xchacha20poly1305_ietf_decrypt(
        null,
        sealed.subarray(1 + NONCE_BYTES),
        ad(label),
        sealed.subarray(1, 1 + NONCE_BYTES),
        this.#key,
      );
    } catch {
      throw new LegionError("bad_data", `Sealed value ${label} failed authentication`);
    }
  }

  sealText(label: string, text: string): Uint8Array {
    return this.seal(label, encoder.encode(text));
  }

  openText(label: string, sealed: Uint8Array): string {
    return decoder.decode(this.open(label, sealed));
  }

  sealJson(label: string, value: unknown): Uint8Array {
    return this.sealText(label, JSON.stringify(value));
  }

  openJson<T>(label: string, sealed: Uint8Array): T {
    return JSON.parse(this.openText(label, sealed)) as T;
  }

  /** Overwrites the key in memory; the sealer is unusable afterwards. */
  wipe(): void {
    this.na.memzero(this.#key);
  }
}

function ad(label: string): Uint8Array {
  return encoder.encode("legion/v1/" + label);
}
