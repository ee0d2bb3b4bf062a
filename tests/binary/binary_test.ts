/**
 * The single binary (`deno task compile`) works from a directory with no node_modules: libsodium's
 * wasm and every module load from inside it; sharp's addon with libvips and the ZK artifacts are
 * unpacked from it to the cache on first use.
 */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { join } from "node:path";
import { tempDir, TEST_PASSPHRASE } from "../support/cli.ts";
import sharp from "sharp";
import { exiftool, hasExiftool, leakyJpeg } from "../support/image_fixture.ts";

const root = new URL("../../", import.meta.url).pathname;

async function exec(binary: string, args: string[], cwd: string) {
  const out = await new Deno.Command(binary, {
    args,
    cwd,
    env: {
      LEGION_PASSPHRASE: TEST_PASSPHRASE,
      NO_COLOR: "1",
      PATH: "/usr/bin:/bin",
      XDG_CACHE_HOME: join(cwd, "cache"),
    },
    clearEnv: true,
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("dist/legion runs --version, init, whoami, card export, auth id and listen from an empty directory", async () => {
  const build = await new Deno.Command(Deno.execPath(), { args: ["task", "compile"], cwd: root })
    .output();
  assertEquals(build.code, 0, new TextDecoder().decode(build.stderr));
  await using dir = await tempDir("legion-binary-");
  const binary = join(dir.path, "legion");
  await Deno.copyFile(join(root, "dist", "legion"), binary);
  await Deno.chmod(binary, 0o755);

  const config = JSON.parse(await Deno.readTextFile(join(root, "deno.json")));
  const version = await exec(binary, ["--version"], dir.path);
  assertEquals(version.stdout.trim(), config.version);

  const home = join(dir.path, "home");
  const init = await exec(binary, [
    "--home",
    home,
    "init",
    "--phrase-out",
    join(dir.path, "phrase"),
  ], dir.path);
  assertEquals(init.code, 0, init.stderr);
  assertMatch(init.stdout.trim(), /^[a-z2-7]{56}\.onion$/);

  const who = await exec(binary, ["--home", home, "--json", "whoami"], dir.path);
  assertEquals(who.code, 0, who.stderr);
  assertEquals(JSON.parse(who.stdout).onion, init.stdout.trim());

  // libsignal's native addon is embedded and loads from inside the binary.
  const card = await exec(binary, ["--home", home, "card", "export"], dir.path);
  assertEquals(card.code, 0, card.stderr);
  assertEquals(JSON.parse(card.stdout).onion, init.stdout.trim());
  // The zero-knowledge identity (Poseidon) works too.
  const auth = await exec(binary, ["--home", home, "auth", "id"], dir.path);
  assertEquals(auth.code, 0, auth.stderr);
  assertMatch(auth.stdout.trim(), /^\d{20,78}$/);
  // listen gets past its node lock and signal handling (Deno-only APIs have Bun fallbacks) to tor,
  // which is not there: tor unavailable (69), not an internal error.
  const listen = await exec(
    binary,
    ["--home", home, "listen", "--tor-control", "127.0.0.1:1"],
    dir.path,
  );
  assertEquals(listen.code, 69, listen.stderr);
  assertMatch(listen.stderr, /^legion: error: Cannot reach the Tor control port/m);
});

Deno.test("dist/legion sanitises and sends an image (sharp + libvips embedded) and a file, saves them, and proves and verifies group membership from an empty directory", async () => {
  const built = join(root, "dist", "legion");
  // The first test builds it; build here too when run alone.
  if (!await Deno.stat(built).then(() => true, () => false)) {
    const build = await new Deno.Command(Deno.execPath(), { args: ["task", "compile"], cwd: root })
      .output();
    assertEquals(build.code, 0, new TextDecoder().decode(build.stderr));
  }
  await using dir = await tempDir("legion-binary-media-");
  const binary = join(dir.path, "legion");
  await Deno.copyFile(built, binary);
  await Deno.chmod(binary, 0o755);

  const { bytes } = await leakyJpeg();
  await Deno.writeFile(join(dir.path, "photo.jpg"), bytes);
  const dry = await exec(binary, ["send", "bob", "--image", "photo.jpg", "--dry-run"], dir.path);
  assertEquals(dry.code, 0, dry.stderr);
  assertMatch(dry.stderr, /^legion: stripped: .*GPS.*XMP/m);
  const clean = await Deno.readFile(join(dir.path, "photo.clean.jpg"));
  const meta = await sharp(clean).metadata();
  assertEquals([meta.format, meta.width, meta.height, meta.exif, meta.xmp, meta.icc], [
    "jpeg",
    32,
    64,
    undefined,
    undefined,
    undefined,
  ]);
  if (await hasExiftool()) assertEquals(/\[(GPS|IFD0|XMP)/.test(await exiftool(clean)), false);
  // A real send: libsignal and sharp in one process; the queued image shows in the inbox and
  // `save` writes it out.
  const homes = { alice: join(dir.path, "alice"), bob: join(dir.path, "bob") };
  for (const [name, home] of Object.entries(homes)) {
    const made = await exec(
      binary,
      ["--home", home, "init", "--phrase-out", `${name}.phrase`],
      dir.path,
    );
    assertEquals(made.code, 0, made.stderr);
  }
  const steps = [
    ["--home", homes.bob, "card", "export", "--name", "bob", "-o", "bob.card"],
    ["--home", homes.alice, "card", "import", "bob.card"],
  ];
  for (const args of steps) {
    const step = await exec(binary, args, dir.path);
    assertEquals(step.code, 0, step.stderr);
  }
  const sent = await exec(binary, [
    "--home",
    homes.alice,
    "--json",
    "send",
    "bob",
    "--image",
    "photo.jpg",
  ], dir.path);
  assertEquals(sent.code, 0, sent.stderr);
  const queued = JSON.parse(sent.stdout.trim().split("\n").at(-1)!);
  const inbox = await exec(binary, ["--home", homes.alice, "inbox", "--all"], dir.path);
  assertMatch(inbox.stdout, /\[image 32x64\] photo\.jpg \(\d+ bytes, image\/jpeg\)/);
  await Deno.mkdir(join(dir.path, "saved"));
  const saved = await exec(binary, ["--home", homes.alice, "save", queued.id, "saved"], dir.path);
  assertEquals(saved.code, 0, saved.stderr);
  assertEquals((await sharp(await Deno.readFile(saved.stdout.trim())).metadata()).exif, undefined);
  // A small file: sealed in secretstream chunks (libsodium's wasm from the binary), saved back.
  const data = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 31) % 251);
  await Deno.writeFile(join(dir.path, "data.bin"), data);
  const file = await exec(
    binary,
    ["--home", homes.alice, "--json", "send", "bob", "--file", "data.bin"],
    dir.path,
  );
  assertEquals(file.code, 0, file.stderr);
  const fileId = JSON.parse(file.stdout.trim().split("\n").at(-1)!).id as string;
  const fileSaved = await exec(
    binary,
    ["--home", homes.alice, "save", fileId.slice(0, 8), "saved"],
    dir.path,
  );
  assertEquals(fileSaved.code, 0, fileSaved.stderr);
  assertEquals(await Deno.readFile(fileSaved.stdout.trim()), data);

  await Deno.writeTextFile(join(dir.path, "page.jpg"), "<svg xmlns='http://www.w3.org/2000/svg'/>");
  const svg = await exec(binary, ["send", "bob", "--image", "page.jpg", "--dry-run"], dir.path);
  assertEquals(svg.code, 65, svg.stderr);

  const member = await exec(binary, ["auth", "new", "--phrase-out", "phrase.txt"], dir.path);
  assertEquals(member.code, 0, member.stderr);
  for (const args of [["create", "group.json"], ["add", "group.json", member.stdout.trim(), "7"]]) {
    const step = await exec(binary, ["auth", "group", ...args], dir.path);
    assertEquals(step.code, 0, step.stderr);
  }
  const prove = await exec(binary, [
    "auth",
    "prove",
    "--group",
    "group.json",
    "--scope",
    "binary-test",
    "--message",
    "yes",
    "--phrase-file",
    "phrase.txt",
    "-o",
    "proof.json",
  ], dir.path);
  assertEquals(prove.code, 0, prove.stderr);
  const verify = await exec(
    binary,
    ["auth", "verify", "--group", "group.json", "proof.json"],
    dir.path,
  );
  assertEquals(verify.code, 0, verify.stderr);
  assertMatch(verify.stdout, /^valid: a member of the group/m);
});
