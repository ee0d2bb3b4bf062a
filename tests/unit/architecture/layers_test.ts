/** The layer rule of docs/architecture.md, checked on a made-up graph and on the real one. */
import { assertEquals } from "../../support/assert.ts";
import { fileURLToPath } from "node:url";
import { findViolations } from "../../../scripts/check_layers.ts";

const ROOT = "/p/";
const mod = (path: string, ...deps: string[]) => ({
  specifier: `file://${ROOT}${path}`,
  dependencies: deps.map((d, i) =>
    i % 2 === 0 ? { code: { specifier: `file://${ROOT}${d}` } } : {
      type: { specifier: `file://${ROOT}${d}` },
    }
  ),
});

Deno.test("findViolations() names upward imports, type-only ones included", () => {
  const graph = {
    modules: [
      mod("src/store/db.ts", "src/errors.ts", "src/cli/paths.ts"),
      mod("src/node/a.ts", "src/store/db.ts", "src/commands/x.ts"),
      mod("src/cli/paths.ts"),
      mod("src/commands/x.ts", "src/node/a.ts"),
      mod("src/errors.ts"),
    ],
  };
  assertEquals(findViolations(graph, ROOT).sort(), [
    "import cycle: src/commands/x.ts -> src/node/a.ts",
    "upward import: src/node/a.ts -> src/commands/x.ts",
    "upward import: src/store/db.ts -> src/cli/paths.ts",
  ]);
});

Deno.test("findViolations() finds a cycle inside one layer and ignores node_modules", () => {
  const graph = {
    modules: [
      mod("src/store/db.ts", "src/store/transaction.ts"),
      mod("src/store/transaction.ts", "src/store/db.ts"),
      { specifier: `file://${ROOT}node_modules/x/index.js`, dependencies: [] },
    ],
  };
  assertEquals(findViolations(graph, ROOT), [
    "import cycle: src/store/db.ts -> src/store/transaction.ts",
  ]);
});

Deno.test("the real module graph has no cycles and no upward imports", async () => {
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: root,
    stdout: "piped",
    stderr: "null",
  }).output();
  const graph = JSON.parse(new TextDecoder().decode(output.stdout));
  assertEquals(findViolations(graph, root), []);
});
