import { assert, assertEquals } from "../../support/assert.ts";
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, backoffDelay } from "../../../src/node/backoff.ts";

Deno.test("backoffDelay() starts at 10 s, doubles, is capped and jittered within ±25%", () => {
  assertEquals(backoffDelay(1, 0.5), BACKOFF_BASE_MS);
  assertEquals(backoffDelay(2, 0.5), 2 * BACKOFF_BASE_MS);
  assertEquals(backoffDelay(50, 0.5), BACKOFF_CAP_MS);
  assertEquals(backoffDelay(1, 0), 0.75 * BACKOFF_BASE_MS);
  assert(backoffDelay(1, 0.999) < 1.25 * BACKOFF_BASE_MS);
});
