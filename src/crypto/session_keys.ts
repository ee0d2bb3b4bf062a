/**
 * libsignal key material for this node: the identity key pair and registration id (made once),
 * and a signed prekey + Kyber last-resort prekey pair (made at init and on each rotation).
 *
 * These keys are random, not derived from the recovery phrase: a restored identity keeps its
 * Ed25519 key and onion but gets new libsignal keys, so its contacts see a key change — the
 * honest outcome, since the old sessions are gone too.
 */
import {
  IdentityKeyPair,
  KEMKeyPair,
  KyberPreKeyRecord,
  PrivateKey,
  SignedPreKeyRecord,
} from "@signalapp/libsignal-client";

/** Registration ids are 14-bit in Signal; 0 is invalid. */
export const MAX_REGISTRATION_ID = 16380;

export interface SignalIdentityKeys {
  identityKeyPair: IdentityKeyPair;
  registrationId: number;
}

export function generateSignalIdentity(): SignalIdentityKeys {
  const random = new Uint32Array(1);
  crypto.getRandomValues(random);
  return {
    identityKeyPair: IdentityKeyPair.generate(),
    registrationId: 1 + (random[0] % MAX_REGISTRATION_ID),
  };
}

export interface PreKeyPair {
  signedPreKey: SignedPreKeyRecord;
  kyberPreKey: KyberPreKeyRecord;
}

/**
 * A signed prekey (X25519) and a Kyber-1024 last-resort prekey, both with id `id`, each signed
 * by the identity key over its serialised public key (what PQXDH verifies).
 */
export function generatePreKeys(identity: IdentityKeyPair, id: number, now: number): PreKeyPair {
  const spk = PrivateKey.generate();
  const spkPublic = spk.getPublicKey();
  const signedPreKey = SignedPreKeyRecord.new(
    id,
    now,
    spkPublic,
    spk,
    identity.privateKey.sign(spkPublic.serialize()),
  );
  const kem = KEMKeyPair.generate();
  const kyberPreKey = KyberPreKeyRecord.new(
    id,
    now,
    kem,
    identity.privateKey.sign(kem.getPublicKey().serialize()),
  );
  return { signedPreKey, kyberPreKey };
}
