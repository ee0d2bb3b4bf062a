/** Fuzzing of receipt and burn bodies (src/protocol/control.ts). */
import { assertEquals } from "../support/assert.ts";
import {
  decodeIds,
  decodeReceipt,
  encodeIds,
  encodeReceipt,
  MAX_IDS,
  ReceiptKind,
} from "../../src/protocol/control.ts";
import { isControlError } from "../../src/protocol/control_error.ts";
import { attempt, bytes, fc, fuzz, mutate, mutations, sameBytes } from "./_fuzz.ts";
import { toHex } from "../../src/crypto/hex.ts";

const id = fc.uint8Array({ minLength: 16, maxLength: 16 });
const ids = fc.uniqueArray(id, { minLength: 1, maxLength: 40, selector: toHex });
const kind = fc.constantFrom(...Object.values(ReceiptKind));

/** What every accepted list must satisfy. */
function checkList(list: Uint8Array[]): void {
  if (list.length < 1 || list.length > MAX_IDS) throw new Error(`${list.length} ids accepted`);
  if (list.some((x) => x.length !== 16)) throw new Error("an id is not 16 bytes");
  if (new Set(list.map(toHex)).size !== list.length) throw new Error("a repeated id survived");
}

fuzz(
  "decodeIds() and decodeReceipt() throw only ControlError on random bytes",
  fc.property(bytes(1000), (input) => {
    const list = attempt(() => decodeIds(input), isControlError);
    if ("ok" in list) checkList(list.ok);
    const receipt = attempt(() => decodeReceipt(input), isControlError);
    if ("ok" in receipt) checkList(receipt.ok.ids);
  }),
);

fuzz(
  "decodeIds() keeps each distinct id once, in first-seen order",
  fc.property(ids, fc.array(fc.nat(), { maxLength: 10 }), (list, repeats) => {
    const withRepeats = [...list, ...repeats.map((r) => list[r % list.length])];
    assertEquals(decodeIds(encodeIds(withRepeats)), list);
  }),
);

fuzz(
  "mutated receipts decode to ControlError or to their own canonical encoding",
  fc.property(kind, ids, mutations, (k, list, edits) => {
    const input = mutate(encodeReceipt(k, list), edits);
    const result = attempt(() => decodeReceipt(input), isControlError);
    if ("ok" in result) {
      checkList(result.ok.ids);
      const distinct = (input.length - 1) / 16 === result.ok.ids.length;
      if (distinct && !sameBytes(encodeReceipt(result.ok.kind, result.ok.ids), input)) {
        throw new Error("an accepted receipt is not the encoding of what was decoded");
      }
    }
  }),
);

fuzz(
  "encodeReceipt() then decodeReceipt() round-trips",
  fc.property(kind, ids, (k, list) => {
    assertEquals(decodeReceipt(encodeReceipt(k, list)), { kind: k, ids: list });
  }),
);
