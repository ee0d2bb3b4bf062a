import assert from "node:assert/strict";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { buildProgram } from "../../../src/cli/program.ts";
import { completionScript } from "../../../src/cli/completions.ts";
import { COMMANDS } from "../../../src/commands/mod.ts";
import { tempDir } from "../../support/cli.ts";

const program = buildProgram({
  stdin: new PassThrough(),
  stdout: new PassThrough(),
  stderr: new PassThrough(),
  env: {},
  now: () => 0,
  cwd: "/",
  userHome: "/nonexistent",
}, COMMANDS);

async function shell(
  bin: string,
  args: string[],
  cwd?: string,
): Promise<{ code: number; out: string; err: string }> {
  const result = await new Deno.Command(bin, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const d = new TextDecoder();
  return { code: result.code, out: d.decode(result.stdout), err: d.decode(result.stderr) };
}

async function installed(bin: string): Promise<boolean> {
  try {
    return (await shell("sh", ["-c", `command -v ${bin}`])).code === 0;
  } catch {
    return false;
  }
}

/** What bash offers for the command line `words` with the cursor on the last word. */
async function bashComplete(script: string, words: string[], cwd?: string): Promise<string[]> {
  const line = words.map((w) => `'${w}'`).join(" ");
  const program = `source ${script}; COMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; ` +
    `_legion_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = await shell("bash", ["-c", program], cwd);
  assert.equal(result.code, 0, result.err);
  return result.out.split("\n").filter((w) => w !== "");
}

Deno.test("the bash completion script is valid bash and completes commands, subcommands and options", async () => {
  await using dir = await tempDir();
  const script = join(dir.path, "legion.bash");
  await Deno.writeTextFile(script, completionScript(program, "bash"));
  const syntax = await shell("bash", ["-n", script]);
  assert.equal(syntax.code, 0, syntax.err);

  assert.deepEqual(await bashComplete(script, ["legion", "con"]), ["contacts"]);
  assert.deepEqual(await bashComplete(script, ["legion", "card", "ex"]), ["export"]);
  assert.deepEqual(
    await bashComplete(script, ["legion", "--home", "h", "card", "export", "--ar"]),
    [
      "--armor",
    ],
  );
  assert.deepEqual(await bashComplete(script, ["legion", "auth", "group", "cr"]), ["create"]);
  assert.ok((await bashComplete(script, ["legion", "--js"])).includes("--json"));
  // After an option that takes a value, file names are offered.
  await Deno.writeTextFile(join(dir.path, "alice.card"), "{}");
  assert.deepEqual(
    await bashComplete(script, ["legion", "card", "import", "--name", "x", "ali"], dir.path),
    ["alice.card"],
  );
});

Deno.test("every command and subcommand appears in each shell's script", () => {
  for (const shellName of ["bash", "zsh", "fish"] as const) {
    const script = completionScript(program, shellName);
    for (const word of ["contacts", "export", "import", "whoami", "completions", "--armor"]) {
      assert.ok(script.includes(word.replace(/^--/, "")), `${shellName}: ${word}`);
    }
  }
});

for (const [shellName, bin] of [["zsh", "zsh"], ["fish", "fish"]] as const) {
  Deno.test({
    name: `the ${shellName} completion script passes ${bin} -n`,
    ignore: !(await installed(bin)),
    fn: async () => {
      await using dir = await tempDir();
      const script = join(dir.path, `legion.${shellName}`);
      await Deno.writeTextFile(script, completionScript(program, shellName));
      const result = await shell(bin, ["-n", script]);
      assert.equal(result.code, 0, result.err);
    },
  });
}

Deno.test({
  name: "fish completes legion con to contacts",
  ignore: !(await installed("fish")),
  fn: async () => {
    await using dir = await tempDir();
    const script = join(dir.path, "legion.fish");
    await Deno.writeTextFile(script, completionScript(program, "fish"));
    const result = await shell("fish", [
      "-c",
      `source ${script}; complete -C 'legion con'; complete -C 'legion card ex'`,
    ]);
    assert.equal(result.code, 0, result.err);
    const offered = result.out.split("\n").map((l) => l.split("\t")[0]);
    assert.ok(offered.includes("contacts"), result.out);
    assert.ok(offered.includes("export"), result.out);
  },
});
