import { isMediaError } from "../../../src/media/media_error.ts";
import { safeName } from "../../../src/media/safe_name.ts";
import { saveFile } from "../../../src/media/save_file.ts";
import { assert, assertEquals, assertRejects } from "../../support/assert.ts";

const data = new TextEncoder().encode("payload");

Deno.test("safeName() turns traversal, device, control and bidi names into safe basenames", () => {
  const cases: Array<[string, string]> = [
    ["../../x", "x"],
    ["/etc/passwd", "passwd"],
    ["..\\..\\windows\\system32\\cmd.exe", "cmd.exe"],
    ["con", "_con"],
    ["nul.txt", "_nul.txt"],
    ["COM1.jpg", "_COM1.jpg"],
    ["a\0b.txt", "ab.txt"],
    ["line\nbreak\r.txt", "linebreak.txt"],
    ["invoice\u202Egpj.exe", "invoicegpj.exe"],
    ["\u2066evil\u2069.pdf", "evil.pdf"],
    ["..", "file"],
    ["...", "file"],
    [".", "file"],
    ["", "file"],
    ["/", "file"],
    [".bashrc", "bashrc"],
    ["-rf", "rf"],
    ["what?.txt", "what.txt"],
    ["trailing. . ", "trailing"],
    ["photo.jpg", "photo.jpg"],
    ["Café 😀.png", "Café 😀.png"],
  ];
  for (const [input, expected] of cases) {
    assertEquals(safeName(input), expected, JSON.stringify(input));
  }
  const long = safeName("a".repeat(1000) + ".jpeg");
  assertEquals([long.length, long.endsWith(".jpeg")], [200, true]);
  assertEquals(safeName("../..", "image.jpg"), "image.jpg");
});

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("saveFile() writes a new 0600 file under the safe name, inside the directory only", () =>
  withDir(async (dir) => {
    await Deno.mkdir(`${dir}/in`);
    const path = await saveFile(`${dir}/in`, "../../escape.txt", data);
    assertEquals(path, `${await Deno.realPath(dir)}/in/escape.txt`);
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["in"]);
    assertEquals(await Deno.readFile(path), data);
  }));

Deno.test("saveFile() never overwrites without force, and then only a regular file", () =>
  withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/a.txt`, "old");
    const exists = await assertRejects(() => saveFile(dir, "a.txt", data));
    assert(isMediaError(exists, "exists"));
    assertEquals(await Deno.readTextFile(`${dir}/a.txt`), "old");
    await saveFile(dir, "a.txt", data, { force: true });
    assertEquals(await Deno.readTextFile(`${dir}/a.txt`), "payload");
    assertEquals([...Deno.readDirSync(dir)].length, 1); // no temp file left behind
  }));

Deno.test("saveFile() refuses a symlink, directory or FIFO at the destination, even with force", () =>
  withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/target`, "secret");
    await Deno.mkdir(`${dir}/out`);
    await Deno.symlink(`${dir}/target`, `${dir}/out/link.txt`);
    await Deno.symlink(`${dir}/nowhere`, `${dir}/out/dangling.txt`);
    await Deno.mkdir(`${dir}/out/sub.txt`);
    const fifo = await new Deno.Command("mkfifo", { args: [`${dir}/out/pipe.txt`] }).output();
    assert(fifo.success);
    for (const name of ["link.txt", "dangling.txt", "sub.txt", "pipe.txt"]) {
      for (const force of [false, true]) {
        const err = await assertRejects(() => saveFile(`${dir}/out`, name, data, { force }));
        assert(isMediaError(err, "unsafe_destination"), `${name} force=${force}: ${err}`);
      }
    }
    assertEquals(await Deno.readTextFile(`${dir}/target`), "secret");
    await assertRejects(() => Deno.lstat(`${dir}/nowhere`));
    const notDir = await assertRejects(() => saveFile(`${dir}/target`, "x", data));
    assert(isMediaError(notDir, "unsafe_destination"));
  }));
