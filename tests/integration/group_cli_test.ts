/**
 * `legion group` through the real CLI without tor or a running node: the store is unlocked by the
 * command itself; what is queued waits for `listen` / `queue run`. Output shapes (`--json`, one
 * object per line) and argument errors with their exit codes.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { runLegion, tempDir, withContact } from "../support/cli.ts";

const lines = (stdout: string) => stdout.trim().split("\n").map((l) => JSON.parse(l));

Deno.test("group create, list, members, invites and inbox --group: output shapes", async () => {
  await using dir = await tempDir();
  const { alice } = await withContact(dir.path);
  const A = (...args: string[]) => runLegion(["--home", alice, ...args]);

  const created = await A("--json", "group", "create", "friends", "bob");
  assertEquals(created.code, 0, created.stderr);
  const [group] = lines(created.stdout);
  assertEquals(
    Object.keys(group).sort(),
    ["epoch", "groupId", "isOwner", "members", "name", "owner", "pending", "type"],
  );
  assertEquals([group.type, group.name, group.members, group.pending, group.isOwner], [
    "group_created",
    "friends",
    1,
    1,
    true,
  ]);
  assertMatch(group.groupId, /^[0-9a-f]{32}$/);

  const listed = await A("--json", "group", "list");
  assertEquals(lines(listed.stdout).map((g) => [g.type, g.name]), [["group", "friends"]]);
  const human = await A("group", "list");
  assertEquals(human.stdout, "friends  1 member(s) + 1 invited  owner  epoch 0\n");

  const members = await A("--json", "group", "members", "friends");
  assertEquals(members.code, 0, members.stderr);
  const rows = lines(members.stdout);
  assertEquals(rows.map((m) => [m.label, m.contact, m.owner, m.self, m.pending]), [
    ["me", null, true, true, false],
    ["bob", "bob", false, false, true],
  ]);
  assertMatch(rows[1].fingerprint, /^([0-9a-f]{4} ){7}[0-9a-f]{4}$/);
  assertMatch(rows[1].onion, /^[a-z2-7]{56}\.onion$/);
  assertMatch(rows[1].ed25519, /^[0-9a-f]{64}$/);

  const invites = await A("--json", "group", "invites");
  assertEquals([invites.code, invites.stdout], [0, ""]);
  const noInvites = await A("group", "invites");
  assertEquals([noInvites.stdout, noInvites.stderr.includes("no invitations")], ["", true]);

  // Alone in the group (bob has not joined): the post is kept, nothing is queued for anyone.
  const sent = await A("--json", "group", "send", "friends", "--message-file", "-");
  assertEquals(sent.code, 2, "stdin is not a message here: null stdin reads as empty");
  const posted = await runLegion(["--home", alice, "--json", "group", "send", "friends", "-"], {
    stdin: "hello group\n",
  });
  assertEquals(posted.code, 0, posted.stderr);
  const [queued] = lines(posted.stdout);
  assertEquals([queued.type, queued.group, queued.items], ["queued", "friends", []]);
  // Nobody else to wait for: --wait returns at once, without tor.
  const waited = await runLegion(
    ["--home", alice, "--json", "group", "send", "friends", "--wait", "5s", "-"],
    { stdin: "second" },
  );
  assertEquals(waited.code, 0, waited.stderr);
  assertEquals(lines(waited.stdout).map((r) => r.type), ["queued", "delivered"]);
  const inbox = await A("--json", "inbox", "--group", "friends", "--all");
  assertEquals(lines(inbox.stdout).map((p) => [p.type, p.direction, p.text, p.from]), [
    ["group_message", "out", "hello group", "me"],
    ["group_message", "out", "second", "me"],
  ]);
  // The key package request to bob is queued for the next `listen` / `queue run`.
  const queue = await A("--json", "queue", "list");
  assertEquals(lines(queue.stdout).map((q) => [q.to, q.kind]), [["bob", "control"]]);
});

Deno.test("group argument errors: one legion: error line and a documented exit code", async () => {
  await using dir = await tempDir();
  const { alice } = await withContact(dir.path);
  const A = (...args: string[]) => runLegion(["--home", alice, ...args]);
  assertEquals((await A("group", "create", "friends")).code, 0);
  const cases: Array<[string[], number, RegExp]> = [
    [["group", "create"], 2, /missing required argument 'name'/],
    [["group", "create", "bad\u202ename"], 2, /group name must be 1–64 printable/],
    [["group", "create", "x".repeat(65)], 2, /group name must be/],
    [["group", "create", "friends"], 78, /a group named "friends" exists/],
    [["group", "create", "others", "nobody"], 66, /No contact named "nobody"/],
    [["group", "add", "friends"], 2, /missing required argument 'contacts'/],
    [["group", "send", "nosuch", "hi"], 66, /No group named "nosuch"/],
    [["group", "remove", "friends", "ghost"], 66, /No member "ghost"/],
    [["group", "leave", "friends"], 78, /owner cannot leave/],
    [["group", "accept", "friends"], 66, /No invitation/],
    [["group", "decline", "friends"], 66, /No invitation/],
    [["group", "send", "friends", "hi", "--ttl", "soon"], 2, /--ttl/],
    [["inbox", "bob", "--group", "friends"], 2, /--group cannot be combined/],
    [["group", "frob"], 2, /unknown command 'frob'/],
  ];
  for (const [args, code, message] of cases) {
    const result = await A(...args);
    assertEquals(result.code, code, `${args.join(" ")}: ${result.stderr}`);
    assertMatch(result.stderr, /^legion: error: /);
    assertMatch(result.stderr, message);
    assert(!result.stderr.includes("    at "), "no stack trace");
    assertEquals(result.stdout, "");
  }
  const dissolved = await A("--json", "group", "dissolve", "friends");
  assertEquals(lines(dissolved.stdout).map((r) => [r.type, r.name]), [[
    "group_dissolved",
    "friends",
  ]]);
  assertEquals((await A("--json", "group", "list")).stdout, "");
});
