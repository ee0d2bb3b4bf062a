/**
 * `legion group send --file/--image/--voice` and `save` of a group attachment through the real
 * CLI (no tor, no running node): the cap is met before any work, argument errors are usage (2),
 * and a group post's image is listed by `inbox --group` (the owner's own copy, with --sent).
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { runLegion, tempDir, withContact } from "../support/cli.ts";
import { MAX_INLINE_BYTES } from "../../src/protocol/group_attachment.ts";
import { leakyJpeg } from "../support/image_fixture.ts";

const lines = (stdout: string) => stdout.trim().split("\n").map((l) => JSON.parse(l));

Deno.test("group send --file over the inline cap exits 65 before any work (no home needed)", async () => {
  await using dir = await tempDir();
  const big = `${dir.path}/big.bin`;
  await Deno.writeFile(big, new Uint8Array(0));
  await Deno.truncate(big, MAX_INLINE_BYTES + 1);
  // The home does not exist: anything that opened it first would fail otherwise.
  const r = await runLegion(["--home", `${dir.path}/none`, "group", "send", "g", "--file", big]);
  assertEquals(r.code, 65, r.stderr);
  assertMatch(r.stderr, /^legion: error: The file is 1042920 bytes; a group post carries at most/);
  assertMatch(r.stderr, /legion: hint: larger files in groups are not supported yet/);
  const usage = await runLegion(["group", "send", "g", "hi", "--file", big]);
  assertEquals(usage.code, 2, usage.stderr);
  const side = await runLegion(["group", "send", "g", "--file", big, "--max-side", "10"]);
  assertEquals(side.code, 2, side.stderr);
});

Deno.test("group send --image: stripped report, listed by inbox --group --all, saved by id", async () => {
  await using dir = await tempDir();
  const { alice } = await withContact(dir.path);
  const A = (...args: string[]) => runLegion(["--home", alice, ...args]);
  assertEquals((await A("group", "create", "friends", "bob")).code, 0);
  const photo = `${dir.path}/photo.jpg`;
  await Deno.writeFile(photo, (await leakyJpeg()).bytes);
  const sent = await A("group", "send", "friends", "--image", photo, "--max-side", "16");
  assertEquals(sent.code, 0, sent.stderr);
  assertMatch(sent.stderr, /stripped: .*GPS/);
  const id = sent.stdout.trim();
  assertMatch(id, /^[0-9a-f]{32}$/);
  const inbox = await A("--json", "inbox", "--group", "friends", "--all");
  const [post] = lines(inbox.stdout);
  assertEquals([post.id, post.kind, post.attachment.kind, post.attachment.name], [
    id,
    "image",
    "image",
    "photo.jpg",
  ]);
  // Upright (the fixture is rotated by its EXIF orientation) and at most 16 px a side.
  assertEquals([post.attachment.width, post.attachment.height], [8, 16]);
  const human = await A("inbox", "--group", "friends", "--all");
  assert(human.stdout.includes(`[image] ${id} "photo.jpg"`), human.stdout);
  const out = `${dir.path}/out`;
  await Deno.mkdir(out);
  const saved = await A("--json", "save", id.slice(0, 8), out);
  assertEquals(saved.code, 0, saved.stderr);
  assertEquals(lines(saved.stdout)[0].path, `${out}/photo.jpg`);
  const again = await A("save", id.slice(0, 8), out);
  assertEquals(again.code !== 0, true, "never over an existing file");
});
