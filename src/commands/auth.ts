/**
 * `legion auth`: anonymous group membership (Semaphore v4, zero-knowledge).
 *
 *   auth id [--phrase-file F]                 this identity's public commitment
 *   auth new --phrase-out F                   a standalone auth identity (its own 24-word phrase)
 *   auth group create|add|remove|show FILE    the public group file
 *   auth prove --group FILE --scope S …       a membership proof (JSON) on stdout
 *   auth verify --group FILE [PROOF|-] …      exit 0 valid · 65 malformed · 77 rejected
 *
 * The heavy modules (snarkjs, curves, Poseidon) are imported inside the actions so the rest of
 * the CLI starts fast.
 */
import { type Command, Option } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { isStdin, readInput, readInputText } from "../cli/read_input.ts";
import { writeNewFile } from "../cli/new_file.ts";
import { countOption } from "../cli/number_option.ts";
import { LegionError } from "../errors.ts";

/** Largest message read from stdin or a file for `--message -`/`--message-file` (it is hashed). */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Largest recovery-phrase file (a phrase is a few hundred bytes). */
const MAX_PHRASE_BYTES = 64 * 1024;

interface PhraseOptions {
  phraseFile?: string;
}
interface MessageOptions {
  message?: string;
  messageFile?: string;
}
interface ProveOptions extends PhraseOptions, MessageOptions {
  group: string;
  scope: string;
  output?: string;
  force?: boolean;
}
interface VerifyOptions extends MessageOptions {
  group: string;
  scope?: string;
  nullifiers?: string;
}
interface CreateOptions {
  windowSeconds: number;
  windowRoots: number;
}

export function registerAuth(program: Command, run: ActionRunner): void {
  const auth = program.command("auth")
    .description("anonymous group membership proofs (Semaphore v4 zero-knowledge)")
    .addHelpText("after", AUTH_HELP);

  auth.command("id")
    .description("print this identity's commitment (the public value a group admin adds)")
    .option("--phrase-file <file>", "use the standalone auth identity of this recovery phrase")
    .action(run(showId));

  auth.command("new")
    .description("create a standalone auth identity: a new recovery phrase, saved to a file")
    .requiredOption("--phrase-out <file>", "write the new recovery phrase to FILE (mode 0600)")
    .action(run(newAuthIdentity));

  const group = auth.command("group").description("manage a group file (public JSON)");
  group.command("create")
    .description("create an empty group file")
    .argument("<file>", "group file to create")
    .addOption(
      new Option("--window-seconds <n>", "how long a replaced root stays valid")
        .default(3600).argParser(countOption("--window-seconds")),
    )
    .addOption(
      new Option("--window-roots <n>", "how many replaced roots stay valid at most")
        .default(16).argParser(countOption("--window-roots")),
    )
    .action(run(groupCreate));
  group.command("add")
    .description("add members by commitment (one new root for the batch)")
    .argument("<file>", "group file")
    .argument("<commitment...>", "identity commitments (decimal)")
    .action(run(groupAdd));
  group.command("remove")
    .description("remove (revoke) a member; older roots stop being accepted at once")
    .argument("<file>", "group file")
    .argument("<commitment>", "identity commitment (decimal)")
    .action(run(groupRemove));
  group.command("show")
    .description("show the group's size, root and recent roots")
    .argument("<file>", "group file")
    .action(run(groupShow));

  auth.command("prove")
    .description("prove membership of a group without revealing which member (JSON on stdout)")
    .requiredOption("--group <file>", "group file")
    .requiredOption("--scope <s>", "scope: one nullifier per identity and scope")
    .option("--message <m>", "message bound to the proof; '-' reads it from stdin")
    .option("--message-file <file>", "bind the proof to the SHA-256 of a file")
    .option("--phrase-file <file>", "use the standalone auth identity of this recovery phrase")
    .option("-o, --output <file>", "write the proof to a new FILE (mode 0600) instead of stdout")
    .option("--force", "with -o: replace an existing file")
    .action(run(prove));

  auth.command("verify")
    .description("verify a membership proof: exit 0 valid, 65 malformed, 77 rejected")
    .argument("[proof]", "proof file, or '-' (default) for stdin")
    .requiredOption("--group <file>", "group file")
    .option("--scope <s>", "reject proofs for any other scope")
    .option("--message <m>", "reject proofs bound to any other message")
    .option("--message-file <file>", "reject proofs not bound to this file's SHA-256")
    .option("--nullifiers <db>", "SQLite file of spent nullifiers: reject replays, record this one")
    .action(run(verify));
}

const AUTH_HELP = `
Values: --scope and --message take a decimal number, 0x-hex, or text (up to 31 bytes as in
Semaphore; longer text, files and stdin are bound by their SHA-256).

Examples:
  legion auth id                                         your commitment, for the group admin
  legion auth group create members.json
  legion auth group add members.json 1234… 5678…
  legion auth prove --group members.json --scope vote-1 --message yes > proof.json
  legion auth verify --group members.json --scope vote-1 --nullifiers spent.db proof.json
`;

async function showId(inv: Invocation, options: PhraseOptions): Promise<void> {
  const secret = await zkSecret(inv, options);
  const { zkIdentity } = await import("../zk/zk_identity.ts");
  const { commitment } = zkIdentity(secret);
  secret.fill(0);
  inv.out.result({ type: "zk_identity", commitment: String(commitment) }, String(commitment));
}

async function newAuthIdentity(inv: Invocation, options: { phraseOut: string }): Promise<void> {
  const { newPhrase, deriveKey, TAG_ZK_IDENTITY } = await import("../crypto/phrase_keys.ts");
  const phrase = await newPhrase();
  const secret = deriveKey(phrase, TAG_ZK_IDENTITY);
  const { zkIdentity } = await import("../zk/zk_identity.ts");
  const { commitment } = zkIdentity(secret);
  secret.fill(0);
  writeNewFile(options.phraseOut, phrase + "\n", {
    existsHint: "choose another --phrase-out file",
  });
  inv.out.note(`recovery phrase of the new auth identity written to ${options.phraseOut}`);
  inv.out.result({ type: "zk_identity", commitment: String(commitment) }, String(commitment));
}

async function groupCreate(inv: Invocation, file: string, options: CreateOptions): Promise<void> {
  const { ZkGroup } = await import("../zk/group.ts");
  const { writeGroupFile } = await import("../zk/group_file.ts");
  await (await import("../zk/group_hash.ts")).loadGroupHasher();
  const group = new ZkGroup([], {
    window: { seconds: options.windowSeconds, roots: options.windowRoots },
  });
  writeGroupFile(file, group, { create: true });
  printGroup(inv, file, group);
}

async function groupAdd(inv: Invocation, file: string, commitments: string[]): Promise<void> {
  const { parseCommitment } = await import("../zk/group.ts");
  const { readGroupFile, writeGroupFile } = await import("../zk/group_file.ts");
  const values = commitments.map(parseCommitment);
  const group = await readGroupFile(file);
  group.add(values, inv.ctx.now());
  writeGroupFile(file, group);
  printGroup(inv, file, group);
}

async function groupRemove(inv: Invocation, file: string, commitment: string): Promise<void> {
  const { parseCommitment } = await import("../zk/group.ts");
  const { readGroupFile, writeGroupFile } = await import("../zk/group_file.ts");
  const value = parseCommitment(commitment);
  const group = await readGroupFile(file);
  group.remove(value, inv.ctx.now());
  writeGroupFile(file, group);
  printGroup(inv, file, group);
}

async function groupShow(inv: Invocation, file: string): Promise<void> {
  const { readGroupFile } = await import("../zk/group_file.ts");
  printGroup(inv, file, await readGroupFile(file));
}

function printGroup(
  inv: Invocation,
  file: string,
  group: import("../zk/group.ts").ZkGroup,
): void {
  const now = inv.ctx.now();
  const recent = group.recentRoots.map((r) => ({
    root: String(r.root),
    replacedAt: new Date(r.replacedAt).toISOString(),
    accepted: group.rootStatus(r.root, now) === "recent",
  }));
  inv.out.result(
    {
      type: "zk_group",
      file,
      members: group.activeSize,
      slots: group.size,
      root: String(group.root),
      window: group.window,
      recentRoots: recent,
    },
    [
      `members:      ${group.activeSize}${
        group.size > group.activeSize ? ` (${group.size - group.activeSize} removed)` : ""
      }`,
      `root:         ${group.root}`,
      `root window:  ${group.window.seconds} s, at most ${group.window.roots} roots`,
      `recent roots: ${recent.length === 0 ? "none" : ""}`,
      ...recent.map((r) => `  ${r.root}  replaced ${r.replacedAt}${r.accepted ? "" : " (stale)"}`),
    ],
  );
}

async function prove(inv: Invocation, options: ProveOptions): Promise<void> {
  const { readGroupFile } = await import("../zk/group_file.ts");
  const { zkIdentity } = await import("../zk/zk_identity.ts");
  const { semaphoreValue } = await import("../zk/semaphore_value.ts");
  const { proofToJson } = await import("../zk/proof.ts");
  const { createProver } = await import("../zk/prover.ts");

  const group = await readGroupFile(options.group);
  const scope = valueOf(semaphoreValue, options.scope, "--scope");
  const message = await messageValue(inv, options) ?? 0n;
  const secret = await zkSecret(inv, options);
  const identity = zkIdentity(secret);
  secret.fill(0);
  group.witness(identity.commitment); // fail before loading snarkjs when not a member

  const prover = createProver({ artifactsDir: inv.ctx.env.LEGION_ZK_ARTIFACTS });
  inv.onCleanup(() => prover.close());
  inv.out.note(`proving membership of a group of ${group.activeSize} (depth 20)…`);
  const started = performance.now();
  const proof = await prover.prove(identity, group, { scope, message });
  inv.out.note(`proof ready in ${((performance.now() - started) / 1000).toFixed(2)} s`);

  const text = JSON.stringify(proofToJson(proof));
  if (options.output === undefined) {
    inv.ctx.stdout.write(text + "\n");
    return;
  }
  writeNewFile(options.output, text + "\n", {
    overwrite: options.force,
    existsHint: "pass --force to replace it",
  });
  inv.out.result(
    { type: "zk_proof_written", file: options.output, nullifier: String(proof.nullifier) },
    [],
  );
}

async function verify(inv: Invocation, proofPath: string | undefined, options: VerifyOptions) {
  const { readGroupFile } = await import("../zk/group_file.ts");
  const { semaphoreValue, shortText } = await import("../zk/semaphore_value.ts");
  const { ZkVerifier } = await import("../zk/verifier.ts");

  // The verifier needs the stated roots only; members are hashed (and checked) by group commands.
  const group = await readGroupFile(options.group, { lazy: true });
  if (options.message === "-" && isStdin(proofPath)) {
    throw new LegionError("usage", "stdin cannot carry both the proof and the message", {
      hint: "pass the proof as a file, or the message with --message-file",
    });
  }
  const scope = options.scope === undefined
    ? undefined
    : valueOf(semaphoreValue, options.scope, "--scope");
  const message = await messageValue(inv, options);
  const text = await readProofText(inv, proofPath);

  let nullifiers: import("../zk/nullifier_store.ts").NullifierStore | undefined;
  if (options.nullifiers !== undefined) {
    const { NullifierStore } = await import("../zk/nullifier_store.ts");
    nullifiers = NullifierStore.open(options.nullifiers);
    inv.onCleanup(() => nullifiers!.close());
  }
  const verifier = new ZkVerifier({
    group,
    nullifiers,
    artifactsDir: inv.ctx.env.LEGION_ZK_ARTIFACTS,
    now: inv.ctx.now,
  });
  const outcome = verifier.verify(text, { scope, message });
  if (!outcome.ok) {
    throw new LegionError("proof_rejected", `Proof rejected: ${outcome.detail}`, {
      hint: REJECT_HINTS[outcome.reason],
    });
  }
  const { proof } = outcome;
  const scopeText = shortText(proof.scope);
  const messageText = shortText(proof.message);
  inv.out.result(
    {
      type: "zk_verified",
      root: String(proof.root),
      rootStatus: outcome.root,
      nullifier: String(proof.nullifier),
      scope: String(proof.scope),
      message: String(proof.message),
      ...(scopeText === undefined ? {} : { scopeText }),
      ...(messageText === undefined ? {} : { messageText }),
    },
    [
      `valid: a member of the group (${outcome.root} root)`,
      `scope:     ${scopeText ?? proof.scope}`,
      `message:   ${messageText ?? proof.message}`,
      `nullifier: ${proof.nullifier}`,
    ],
  );
}

const REJECT_HINTS: Record<string, string | undefined> = {
  unknown_root: "the prover used another group, or a member list this group file never had",
  stale_root: "the group changed since the proof was made; ask for a fresh proof",
  wrong_scope: undefined,
  wrong_message: undefined,
  nullifier_spent: "this identity already proved for this scope (a replay)",
  invalid_proof: undefined,
};

/** The 32-byte ZK secret: from `--phrase-file`, else from the unlocked store. */
async function zkSecret(inv: Invocation, options: PhraseOptions): Promise<Uint8Array> {
  const { parsePhrase, deriveKey, TAG_ZK_IDENTITY } = await import("../crypto/phrase_keys.ts");
  if (options.phraseFile !== undefined) {
    const text = await readInputText(inv.ctx, options.phraseFile, {
      limit: MAX_PHRASE_BYTES,
      what: "recovery phrase",
    });
    return deriveKey(parsePhrase(text), TAG_ZK_IDENTITY);
  }
  const { loadIdentity } = await import("../store/identity_store.ts");
  const store = await inv.unlock();
  const identity = loadIdentity(store.db, store.sealer);
  identity.seed.fill(0);
  return identity.zkSecret;
}

/** `--message M` / `--message -` (stdin) / `--message-file F` as a uint256, or undefined. */
async function messageValue(inv: Invocation, options: MessageOptions): Promise<bigint | undefined> {
  const { semaphoreValue, digestValue } = await import("../zk/semaphore_value.ts");
  if (options.message !== undefined && options.messageFile !== undefined) {
    throw new LegionError("usage", "Give either --message or --message-file, not both");
  }
  if (options.messageFile !== undefined || options.message === "-") {
    const source = options.messageFile ?? "-";
    return digestValue(
      await readInput(inv.ctx, source, { limit: MAX_MESSAGE_BYTES, what: "message" }),
    );
  }
  if (options.message === undefined) return undefined;
  return valueOf(semaphoreValue, options.message, "--message");
}

async function readProofText(inv: Invocation, path: string | undefined): Promise<string> {
  const { MAX_PROOF_JSON_BYTES } = await import("../zk/proof.ts");
  return await readInputText(inv.ctx, path, {
    limit: MAX_PROOF_JSON_BYTES,
    what: "proof",
    ttyHint: "pass a proof file or pipe one in",
  });
}

function valueOf(parse: (text: string) => bigint, text: string, name: string): bigint {
  try {
    return parse(text);
  } catch {
    throw new LegionError("usage", `${name} is a number of more than 256 bits`);
  }
}
