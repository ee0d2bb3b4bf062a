/**
 * `legion relay` without tor: init (sealed home of its own, refuses twice and a user's home),
 * admit/revoke, the signed card (verifies, names the onion and the current root), status.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { runLegion, tempDir } from "../support/cli.ts";
import { sodium } from "../../src/crypto/sodium.ts";
import { parseRelayCard } from "../../src/relay/relay_card.ts";

Deno.test("relay init, admit, revoke, card and status work on a relay's own home", async () => {
  await using dir = await tempDir("legion-relay-cli-");
  const home = join(dir.path, "relay");
  const init = await runLegion(["--home", home, "--json", "relay", "init", "--slots", "3"]);
  assertEquals(init.code, 0, init.stderr);
  const created = JSON.parse(init.stdout);
  assertEquals(created.type, "relay");
  assertEquals(created.rules.slotsPerEpoch, 3);
  assertEquals(Deno.statSync(home).mode! & 0o777, 0o700);

  const again = await runLegion(["--home", home, "relay", "init"]);
  assertEquals(again.code, 78, again.stderr);
  assertMatch(again.stderr, /legion: error: A relay already exists/);

  const admitted = await runLegion(["--home", home, "--json", "relay", "admit", "11", "22"]);
  assertEquals(admitted.code, 0, admitted.stderr);
  assertEquals(JSON.parse(admitted.stdout).members, 2);
  const revoked = await runLegion(["--home", home, "--json", "relay", "revoke", "11"]);
  assertEquals(revoked.code, 0, revoked.stderr);
  const { root, members } = JSON.parse(revoked.stdout);
  assertEquals(members, 1);

  const card = await runLegion(["--home", home, "relay", "card"]);
  assertEquals(card.code, 0, card.stderr);
  const parsed = parseRelayCard(await sodium(), card.stdout.trim());
  assertEquals(parsed.onion, created.onion);
  assertEquals(parsed.groupRoot.toString(), root);
  assertEquals(parsed.rules.slotsPerEpoch, 3);
  const forged = card.stdout.trim().replace(/"slotsPerEpoch":3/, '"slotsPerEpoch":4');
  let refused = false;
  try {
    parseRelayCard(await sodium(), forged);
  } catch {
    refused = true;
  }
  assert(refused, "an edited card must not verify");

  const status = await runLegion(["--home", home, "--json", "relay", "status"], {
    passphrase: null,
  });
  assertEquals(status.code, 0, status.stderr);
  const totals = JSON.parse(status.stdout);
  assertEquals([totals.type, totals.mailboxes, totals.items], ["relay_status", 0, 0]);
});

Deno.test("relay init refuses a user's home, and relay commands refuse a home without a relay", async () => {
  await using dir = await tempDir("legion-relay-cli-");
  const user = join(dir.path, "user");
  assertEquals(
    (await runLegion(["--home", user, "init", "--phrase-out", join(dir.path, "p")])).code,
    0,
  );
  const onUser = await runLegion(["--home", user, "relay", "init"]);
  assertEquals(onUser.code, 78, onUser.stderr);
  assertMatch(onUser.stderr, /a user's Legion home/);
  const none = await runLegion(["--home", join(dir.path, "none"), "relay", "status"]);
  assertEquals(none.code, 66, none.stderr);
  assertMatch(none.stderr, /No relay in/);
});
