/**
 * Where the Semaphore v4 depth-20 circuit artifacts live: the wasm witness generator (≈1.8 MB),
 * the Groth16 proving key (`.zkey`, ≈3.9 MB) and the verification key (`.json`, 3.7 KB) from PSE's
 * multi-party trusted-setup ceremony, shipped in the npm package `@zk-kit/semaphore-artifacts`.
 *
 * They are resolved from the installed package, never downloaded. `LEGION_ZK_ARTIFACTS` (or
 * `dir`) points at another folder holding the same file names; the single binary embeds them and
 * unpacks them to the user's cache on first use (embedded_artifacts.ts, scripts/bun_build.js).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ZkError } from "./zk_error.ts";
import { TREE_DEPTH } from "./constants.ts";
import { embeddedArtifactsDir } from "./embedded_artifacts.ts";
import type { VerificationKeyJson } from "./groth16.ts";

export const ARTIFACTS_PACKAGE = "@zk-kit/semaphore-artifacts";

export interface ArtifactPaths {
  wasm: string;
  zkey: string;
  vkey: string;
}

/** Paths of the depth-20 artifacts, from `dir` when given, else from the installed package. */
export function artifactPaths(dir?: string): ArtifactPaths {
  return {
    wasm: locate(`semaphore-${TREE_DEPTH}.wasm`, dir),
    zkey: locate(`semaphore-${TREE_DEPTH}.zkey`, dir),
    vkey: locate(`semaphore-${TREE_DEPTH}.json`, dir),
  };
}

/**
 * The ceremony's verification key for a circuit depth (default 20). Legion proves at depth 20
 * only, but verifies any depth from 1 to 32 whose key is present, because Semaphore's
 * `generateProof` picks the smallest depth that fits the group unless told otherwise.
 */
export function loadVerificationKey(dir?: string, depth = TREE_DEPTH): VerificationKeyJson {
  if (!Number.isInteger(depth) || depth < 1 || depth > 32) throw new RangeError("depth 1–32");
  const path = locate(`semaphore-${depth}.json`, dir);
  return JSON.parse(readFileSync(path, "utf8")) as VerificationKeyJson;
}

function locate(file: string, given?: string): string {
  const dir = given || embeddedArtifactsDir();
  const path = dir ? join(dir, file) : resolveInPackage(file);
  if (!existsSync(path)) {
    throw new ZkError("missing_artifact", `Missing zero-knowledge artifact ${path}`, {
      hint: given
        ? "check LEGION_ZK_ARTIFACTS"
        : `reinstall dependencies (deno install) so ${ARTIFACTS_PACKAGE} is present`,
    });
  }
  return path;
}

function resolveInPackage(file: string): string {
  try {
    return fileURLToPath(import.meta.resolve(`${ARTIFACTS_PACKAGE}/${file}`));
  } catch (err) {
    throw new ZkError("missing_artifact", `Cannot locate ${ARTIFACTS_PACKAGE}/${file}`, {
      cause: err,
      hint: "set LEGION_ZK_ARTIFACTS to a folder with the depth-20 artifacts",
    });
  }
}
