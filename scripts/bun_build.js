// Builds dist/legion with `bun build --compile` (run by scripts/compile.ts under Bun; deno compile
// needs a runtime download that is not reachable everywhere). Native addons cannot be located by
// node-gyp-build inside a single binary, so libsignal's loader is replaced with a static require of
// its prebuilt addon, which Bun embeds and unpacks at first use. The Argon2id Worker
// (src/crypto/argon2_worker.ts) is a second entrypoint, which Bun bundles into the binary and
// resolves from `new Worker(new URL("./argon2_worker.ts", import.meta.url))`.
//
// sharp's addon needs libvips next to it (its RPATH is `$ORIGIN/../../sharp-libvips-<arch>/lib`),
// and snarkjs reads the ZK artifacts by path, so both are embedded as files (`type: "file"`) and
// unpacked on first use to ~/.cache/legion/embedded-<content hash>/ (a 0700 directory of the
// user's own, checked, since a native library loads from there) in the layout each expects:
//   node_modules/@img/sharp-<arch>/lib/sharp-<arch>-<version>.node
//   node_modules/@img/sharp-libvips-<arch>/lib/libvips-cpp.so.<vips version>
//   zk/semaphore-20.{wasm,zkey}, zk/semaphore-{1..32}.json
// sharp's loader (dist/sharp.mjs) is replaced with a dlopen of the unpacked addon, and
// src/zk/embedded_artifacts.ts with a module that returns the unpacked zk/ folder.
/* global Bun */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { join, relative } from "node:path";

const root = join(import.meta.dirname, "..");
const outfile = process.argv[2] ?? join(root, "dist", "legion");
const arch = process.arch === "arm64" ? "linux-arm64" : "linux-x64";
const addon = join(
  root,
  "node_modules/@signalapp/libsignal-client/prebuilds",
  arch,
  "@signalapp+libsignal-client.node",
);

const sharpPkg = join(root, "node_modules/sharp");
const sharpVersion = JSON.parse(readFileSync(join(sharpPkg, "package.json"), "utf8")).version;
/** A package as sharp's own node_modules sees it (Deno's layout nests it under .deno/). */
function sharpDependency(name) {
  const from = join(realpathSync(sharpPkg), "..", name);
  return realpathSync(existsSync(from) ? from : join(root, "node_modules", name));
}
const sharpAddonDir = join(sharpDependency(`@img/sharp-${arch}`), "lib");
const vipsDir = join(sharpDependency(`@img/sharp-libvips-${arch}`), "lib");
const addonName = `sharp-${arch}-${sharpVersion}.node`;
const vipsName = readdirSync(vipsDir).find((name) => name.startsWith("libvips-cpp.so"));
const artifactsDir = realpathSync(join(root, "node_modules/@zk-kit/semaphore-artifacts"));

/** [absolute source, path under the unpack folder] of every embedded file. */
const embedded = [
  [join(sharpAddonDir, addonName), `node_modules/@img/sharp-${arch}/lib/${addonName}`],
  [join(vipsDir, vipsName), `node_modules/@img/sharp-libvips-${arch}/lib/${vipsName}`],
  [join(artifactsDir, "semaphore-20.wasm"), "zk/semaphore-20.wasm"],
  [join(artifactsDir, "semaphore-20.zkey"), "zk/semaphore-20.zkey"],
  ...Array.from({ length: 32 }, (_, i) => `semaphore-${i + 1}.json`)
    .filter((name) => existsSync(join(artifactsDir, name)))
    .map((name) => [join(artifactsDir, name), `zk/${name}`]),
];
const hash = createHash("sha256");
for (const [source, target] of embedded) hash.update(target).update(readFileSync(source));
const contentHash = hash.digest("hex").slice(0, 16);

const embeddedModule = `
import { lstatSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
${
  embedded.map(([source], i) =>
    `import f${i} from ${JSON.stringify(source)} with { type: "file" };`
  ).join("\n")
}
const FILES = [${embedded.map(([, target], i) => `[f${i}, ${JSON.stringify(target)}]`).join(", ")}];
let unpacked;
/** Unpacks the embedded files once per content hash; returns the folder. */
export function embeddedDir() {
  if (unpacked) return unpacked;
  const base = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "legion");
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const info = lstatSync(base);
  if (!info.isDirectory() || info.uid !== process.getuid() || (info.mode & 0o022) !== 0) {
    throw new Error(\`\${base} must be a directory of this user that others cannot write\`);
  }
  const dir = join(base, "embedded-${contentHash}");
  for (const [source, target] of FILES) {
    const path = join(dir, target);
    try {
      if (statSync(path).size === statSync(source).size) continue;
    } catch {}
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const part = \`\${path}.\${process.pid}.part\`;
    writeFileSync(part, readFileSync(source), { mode: 0o700 });
    renameSync(part, path);
  }
  return (unpacked = dir);
}
`;

const embeddedFiles = {
  name: "legion-embedded-files",
  setup(build) {
    build.onResolve({ filter: /^legion-embedded$/ }, () => ({
      path: "legion-embedded",
      namespace: "legion",
    }));
    build.onLoad({ filter: /.*/, namespace: "legion" }, () => ({
      contents: embeddedModule,
      loader: "js",
    }));
    build.onLoad({ filter: /sharp[\\/]dist[\\/]sharp\.mjs$/ }, () => ({
      contents: `import { embeddedDir } from "legion-embedded";
const addon = { exports: {} };
process.dlopen(addon, embeddedDir() + ${
        JSON.stringify(`/node_modules/@img/sharp-${arch}/lib/${addonName}`)
      });
export default addon.exports;
`,
      loader: "js",
    }));
    build.onLoad({ filter: /src[\\/]zk[\\/]embedded_artifacts\.ts$/ }, () => ({
      contents: `import { embeddedDir } from "legion-embedded";
export function embeddedArtifactsDir() { return embeddedDir() + "/zk"; }
`,
      loader: "js",
    }));
  },
};

const nativeLoader = {
  name: "libsignal-native-addon",
  setup(build) {
    build.onLoad({ filter: /libsignal-client[\\/]dist[\\/]Native\.js$/ }, async (args) => {
      const source = await Bun.file(args.path).text();
      const patched = source
        .replace(
          "import load from 'node-gyp-build';",
          `import addon from ${JSON.stringify(addon)};`,
        )
        .replace(/load\(`\$\{import\.meta\.dirname\}\/\.\.\/`\)/, "addon");
      if (patched === source) {
        throw new Error("libsignal's loader changed; update scripts/bun_build.js");
      }
      return { contents: patched, loader: "js" };
    });
  },
};

const result = await Bun.build({
  entrypoints: [join(root, "main.ts"), join(root, "src/crypto/argon2_worker.ts")],
  compile: { outfile },
  target: "bun",
  minify: false,
  plugins: [nativeLoader, embeddedFiles],
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
console.error(
  `legion: built ${outfile} (embedded: ${
    embedded.map(([source]) => relative(root, source)).length
  } files, sharp ${sharpVersion}, ${vipsName})`,
);
