/**
 * `deno task check` step: reads the module graph of main.ts (`deno info --json`, static, type-only
 * and dynamic imports) and fails when a module under src/ imports a higher layer or when modules
 * import each other in a cycle. The layers, lowest first:
 *
 *   errors ← crypto ← protocol ← store / transport / zk / group / media ← node ← cli ← commands ← main.ts
 */
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const RANK: Record<string, number> = {
  "errors.ts": 0,
  "version.ts": 0,
  crypto: 1,
  protocol: 2,
  store: 3,
  transport: 3,
  zk: 3,
  group: 3,
  media: 3,
  node: 4,
  cli: 5,
  commands: 6,
};

interface Graph {
  modules: Array<{
    specifier: string;
    dependencies?: Array<{ code?: { specifier?: string }; type?: { specifier?: string } }>;
  }>;
}

/** The layer of a module path relative to the project root, or undefined outside src/. */
export function layerOf(path: string): string | undefined {
  const parts = path.split("/");
  return parts[0] === "src" ? parts[1] : undefined;
}

export function findViolations(graph: Graph, root: string): string[] {
  const edges = new Map<string, Set<string>>();
  const local = (specifier: string | undefined) =>
    specifier?.startsWith("file://") && !specifier.includes("/node_modules/")
      ? relative(root, fileURLToPath(specifier))
      : undefined;
  for (const module of graph.modules) {
    const from = local(module.specifier);
    if (!from?.startsWith("src/")) continue;
    const deps = new Set<string>();
    for (const dep of module.dependencies ?? []) {
      for (const target of [dep.code?.specifier, dep.type?.specifier]) {
        const to = local(target);
        if (to?.startsWith("src/")) deps.add(to);
      }
    }
    edges.set(from, deps);
  }
  const problems: string[] = [];
  for (const [from, deps] of edges) {
    for (const to of deps) {
      const a = RANK[layerOf(from)!];
      const b = RANK[layerOf(to)!];
      if (a === undefined || b === undefined) problems.push(`unknown layer: ${from} -> ${to}`);
      else if (b > a) problems.push(`upward import: ${from} -> ${to}`);
    }
  }
  for (const cycle of cycles(edges)) problems.push(`import cycle: ${cycle.join(" -> ")}`);
  return problems;
}

/** Strongly connected components with more than one module (Tarjan), each as a path. */
function cycles(edges: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return found;
}

if (import.meta.main) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) Deno.exit(1);
  const graph = JSON.parse(new TextDecoder().decode(output.stdout)) as Graph;
  const problems = findViolations(graph, ROOT);
  for (const problem of problems) console.error(`layers: ${problem}`);
  const count = graph.modules.filter((m) => m.specifier.startsWith(`file://${ROOT}src/`)).length;
  console.error(`layers: ${count} modules under src/, ${problems.length} problem(s)`);
  Deno.exit(problems.length === 0 ? 0 : 1);
}
