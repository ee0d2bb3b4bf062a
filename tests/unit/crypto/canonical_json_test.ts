import assert from "node:assert/strict";
import { canonicalJson } from "../../../src/crypto/canonical_json.ts";
import { fromBase64, toBase64 } from "../../../src/crypto/base64.ts";

Deno.test("canonicalJson() sorts keys recursively and drops whitespace", () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [true, null, "x"], c: "é\n" } }),
    '{"a":{"c":"é\\n","d":[true,null,"x"]},"b":1}',
  );
});

Deno.test("canonicalJson() refuses floats and unsafe integers", () => {
  assert.throws(() => canonicalJson(1.5), RangeError);
  assert.throws(() => canonicalJson(2 ** 60), RangeError);
});

Deno.test("fromBase64() accepts only the canonical encoding", () => {
  const bytes = new Uint8Array([1, 2, 3, 4]);
  assert.equal(toBase64(bytes), "AQIDBA==");
  assert.deepEqual(fromBase64("AQIDBA=="), bytes);
  assert.equal(fromBase64("AQIDBB=="), undefined); // non-zero padding bits
  assert.equal(fromBase64("AQIDBA"), undefined); // missing padding
  assert.equal(fromBase64("AQID BA=="), undefined);
  assert.equal(fromBase64("AQIDBA-_"), undefined);
});
