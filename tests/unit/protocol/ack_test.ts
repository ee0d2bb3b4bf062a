import { assert, assertEquals } from "../../support/assert.ts";
import { ACK_DOMAIN, signAck, verifyAck } from "../../../src/protocol/ack.ts";
import { AckStatus } from "../../../src/protocol/delivery.ts";
import { sodium } from "../../../src/crypto/sodium.ts";

const na = await sodium();
const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
const { publicKey } = na.crypto_sign_seed_keypair(seed);
const signer = { seed, publicKey };
const id = Uint8Array.from({ length: 16 }, (_, i) => 100 + i);
const ciphertext = new TextEncoder().encode("exact ciphertext bytes");
const fields = { id, status: AckStatus.stored, ciphertext };

Deno.test("signAck() signs the domain, id, status and SHA-256 of the ciphertext", async () => {
  const signature = await signAck(signer, fields);
  assertEquals(signature.length, 64);
  assert(await verifyAck(publicKey, fields, signature));
  const message = new Uint8Array([
    ...ACK_DOMAIN,
    ...id,
    AckStatus.stored,
    ...na.crypto_hash_sha256(ciphertext),
  ]);
  assert(na.crypto_sign_verify_detached(signature, message, publicKey));
  assertEquals(new TextDecoder().decode(ACK_DOMAIN), "legion/v2/ack");
});

Deno.test("verifyAck() refuses another key, id, status, ciphertext or a damaged signature", async () => {
  const signature = await signAck(signer, fields);
  const other = na.crypto_sign_keypair();
  const otherId = id.slice();
  otherId[0] ^= 1;
  const flipped = signature.slice();
  flipped[10] ^= 1;
  const refused: Array<[string, Promise<boolean>]> = [
    ["another key", verifyAck(other.publicKey, fields, signature)],
    ["another id", verifyAck(publicKey, { ...fields, id: otherId }, signature)],
    ["another status", verifyAck(publicKey, { ...fields, status: AckStatus.duplicate }, signature)],
    [
      "another ciphertext",
      verifyAck(publicKey, { ...fields, ciphertext: ciphertext.slice(1) }, signature),
    ],
    ["a truncated signature", verifyAck(publicKey, fields, signature.slice(0, 63))],
    ["a flipped bit", verifyAck(publicKey, fields, flipped)],
    ["a short key", verifyAck(publicKey.slice(1), fields, signature)],
  ];
  for (const [what, verdict] of refused) assertEquals(await verdict, false, what);
});
