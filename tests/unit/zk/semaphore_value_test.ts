import assert from "node:assert/strict";
import {
  digestValue,
  hashToField,
  loadGroupHasher,
  rateLimitScope,
  semaphoreValue,
  shortText,
  SNARK_SCALAR_FIELD,
} from "../../../src/zk/mod.ts";

// Group trees need Poseidon loaded (zk/group_hash.ts).
await loadGroupHasher();

// Known answers from @semaphore-protocol/proof 4.14.3 (generateProof with these strings).
const SEMAPHORE_HELLO =
  47219736118171679016481614208494153725245902603978864281390662590579859259392n;
const SEMAPHORE_SCOPE =
  52191664570483756643537362991541193331102618014473399276861326740461293928448n;

Deno.test("semaphoreValue() encodes short text as Semaphore's bytes32 string", () => {
  assert.equal(semaphoreValue("hello"), SEMAPHORE_HELLO);
  assert.equal(semaphoreValue("scope"), SEMAPHORE_SCOPE);
  assert.equal(semaphoreValue(""), 0n);
});

Deno.test("semaphoreValue() reads decimal and 0x-hex numbers as numbers", () => {
  assert.equal(semaphoreValue("123"), 123n);
  assert.equal(semaphoreValue("0xff"), 255n);
  assert.throws(() => semaphoreValue("1" + "0".repeat(78)), RangeError);
});

Deno.test("semaphoreValue() binds text over 31 bytes by its SHA-256", () => {
  const long = "x".repeat(32);
  assert.equal(semaphoreValue(long), digestValue(new TextEncoder().encode(long)));
  assert.notEqual(
    semaphoreValue("x".repeat(31)),
    digestValue(new TextEncoder().encode("x".repeat(31))),
  );
});

Deno.test("hashToField() is keccak256 of the 32-byte value shifted right by 8 bits", () => {
  // keccak256(32 zero bytes) = 290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e563
  assert.equal(
    hashToField(0n),
    0x290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e563n >> 8n,
  );
  assert.ok(hashToField((1n << 256n) - 1n) < SNARK_SCALAR_FIELD);
  assert.throws(() => hashToField(1n << 256n), RangeError);
});

Deno.test("shortText() decodes bytes32 text values and nothing else", () => {
  assert.equal(shortText(semaphoreValue("vote-1")), "vote-1");
  assert.equal(shortText(123n), undefined);
  assert.equal(shortText(digestValue(new Uint8Array([1, 2, 3]))), undefined);
});

Deno.test("rateLimitScope() differs per verifier, epoch and slot", () => {
  const scopes = new Set([
    rateLimitScope("relay-a", 1, 0),
    rateLimitScope("relay-a", 1, 1),
    rateLimitScope("relay-a", 2, 0),
    rateLimitScope("relay-b", 1, 0),
  ]);
  assert.equal(scopes.size, 4);
  assert.equal(rateLimitScope("relay-a", 1, 0), rateLimitScope("relay-a", 1, 0));
  assert.throws(() => rateLimitScope("relay-a", -1, 0), RangeError);
});
