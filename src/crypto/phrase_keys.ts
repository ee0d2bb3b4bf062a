/**
 * The recovery phrase and what derives from it.
 *
 *   phrase   = BIP-39, 24 words (256-bit entropy)
 *   root     = BIP-39 seed: PBKDF2-HMAC-SHA512(phrase, "mnemonic", 2048) (64 bytes, no BIP-39 passphrase)
 *   key(tag) = HKDF-SHA-512(ikm = root, salt = "legion/v1", info = tag, 32 bytes)   (RFC 5869)
 *
 * Each purpose has its own tag, so the keys are independent: the Ed25519 identity seed (which also
 * gives the onion address) and the zero-knowledge identity secret. Nothing else derives implicitly.
 */
import { hkdfSync } from "node:crypto";
import * as bip39 from "bip39";
import { PhraseError } from "./phrase_error.ts";
import { sodium } from "./sodium.ts";
import { toHex } from "./hex.ts";

export const DERIVATION_SALT = "legion/v1";
export const TAG_ED25519_IDENTITY = "legion/v1/ed25519-identity";
export const TAG_ZK_IDENTITY = "legion/v1/zk-identity";
export const PHRASE_WORDS = 24;

export interface IdentityKeys {
  /** Ed25519 seed (RFC 8032 secret key), 32 bytes. */
  seed: Uint8Array;
  /** Ed25519 public key, 32 bytes. */
  publicKey: Uint8Array;
  /** Secret for the zero-knowledge identity (Semaphore), 32 bytes. */
  zkSecret: Uint8Array;
}

/** A new 24-word phrase from 32 bytes of entropy (taken from the CSPRNG unless given). */
export async function newPhrase(entropy?: Uint8Array): Promise<string> {
  const bytes = entropy ?? (await sodium()).randombytes_buf(32);
  if (bytes.length !== 32) throw new RangeError("entropy must be 32 bytes");
  return bip39.entropyToMnemonic(toHex(bytes));
}

/** Normalises whitespace and case and validates words and checksum. */
export function parsePhrase(text: string): string {
  const phrase = text.trim().toLowerCase().split(/\s+/).join(" ");
  const words = phrase === "" ? 0 : phrase.split(" ").length;
  if (words !== PHRASE_WORDS) {
    throw new PhraseError(
      "word_count",
      `Cannot read the recovery phrase: expected ${PHRASE_WORDS} words, got ${words}`,
    );
  }
  if (!bip39.validateMnemonic(phrase)) {
    throw new PhraseError(
      "checksum",
      "Cannot read the recovery phrase: unknown word or bad checksum",
      { hint: "check the spelling and order of the words" },
    );
  }
  return phrase;
}

/** Derives a purpose key from the phrase's BIP-39 seed. */
export function deriveKey(phrase: string, tag: string): Uint8Array {
  const root = bip39.mnemonicToSeedSync(phrase);
  try {
    return new Uint8Array(hkdfSync("sha512", root, DERIVATION_SALT, tag, 32));
  } finally {
    root.fill(0);
  }
}

export async function deriveIdentity(phrase: string): Promise<IdentityKeys> {
  const na = await sodium();
  const seed = deriveKey(phrase, TAG_ED25519_IDENTITY);
  const { publicKey, privateKey } = na.crypto_sign_seed_keypair(seed);
  privateKey.fill(0);
  return { seed, publicKey, zkSecret: deriveKey(phrase, TAG_ZK_IDENTITY) };
}
