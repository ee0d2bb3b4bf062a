/**
 * The folder of ZK artifacts embedded in the single binary. Running from source there is none
 * (undefined: the installed npm package is used); scripts/bun_build.js replaces this module in
 * the binary with one that unpacks the embedded files to the user's cache and returns its `zk/`.
 */
export function embeddedArtifactsDir(): string | undefined {
  return undefined;
}
