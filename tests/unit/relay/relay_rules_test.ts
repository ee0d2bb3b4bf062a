import { assertEquals } from "../../support/assert.ts";
import { isUserError } from "../../support/user_error.ts";
import {
  EPOCH_GRACE_MS,
  epochAt,
  epochOpen,
  MAX_TTL_SECONDS,
  nullifierExpiry,
  parseRules,
} from "../../../src/relay/relay_rules.ts";

const rules = parseRules({ epochSeconds: 3600 });
const HOUR = 3600_000;

Deno.test("epochOpen() takes the current epoch, and the last one only during the grace", () => {
  const start = 1000 * HOUR;
  assertEquals(epochAt(rules, start), 1000);
  assertEquals(epochOpen(rules, 1000, start), true);
  assertEquals(epochOpen(rules, 999, start + EPOCH_GRACE_MS - 1), true);
  assertEquals(epochOpen(rules, 999, start + EPOCH_GRACE_MS), false);
  assertEquals(epochOpen(rules, 1001, start), false);
  assertEquals(epochOpen(rules, 998, start), false);
});

Deno.test("a nullifier outlives every moment its epoch is accepted", () => {
  const epoch = 1000;
  assertEquals(epochOpen(rules, epoch, nullifierExpiry(rules, epoch) - 1), true);
  assertEquals(epochOpen(rules, epoch, nullifierExpiry(rules, epoch)), false);
});

Deno.test("parseRules() refuses a TTL over 7 days and zero slots", () => {
  for (const bad of [{ ttlSeconds: MAX_TTL_SECONDS + 1 }, { slotsPerEpoch: 0 }]) {
    let error: unknown;
    try {
      parseRules(bad);
    } catch (err) {
      error = err;
    }
    assertEquals(isUserError(error, "usage"), true);
  }
});
