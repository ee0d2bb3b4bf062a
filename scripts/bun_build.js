// Builds dist/legion with `bun build --compile` (run by scripts/compile.ts under Bun; deno compile
// needs a runtime download that is not reachable everywhere). Native addons cannot be located by
// node-gyp-build inside a single binary, so libsignal's loader is replaced with a static require of
// its prebuilt addon, which Bun embeds and unpacks at first use. The Argon2id Worker
// (src/crypto/argon2_worker.ts) is a second entrypoint, which Bun bundles into the binary and
// resolves from `new Worker(new URL("./argon2_worker.ts", import.meta.url))`.
/* global Bun */
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const outfile = process.argv[2] ?? join(root, "dist", "legion");
const arch = process.arch === "arm64" ? "linux-arm64" : "linux-x64";
const addon = join(
  root,
  "node_modules/@signalapp/libsignal-client/prebuilds",
  arch,
  "@signalapp+libsignal-client.node",
);

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
  plugins: [nativeLoader],
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
console.error(`legion: built ${outfile}`);
