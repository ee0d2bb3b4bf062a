/**
 * The command-line program: global options, help with examples and the exit-code table, and the
 * mapping of every outcome to an exit code. Commands register themselves in src/commands/mod.ts.
 */
import { Command, CommanderError, Option } from "commander";
import type { Context } from "./context.ts";
import { Invocation } from "./invocation.ts";
import { printError } from "./output.ts";
import { toLegionError } from "./error_map.ts";
import { EXIT_CODE_TABLE, ExitCode, LegionError } from "../errors.ts";
import { VERSION } from "../version.ts";

/** Wraps a command action so it gets an Invocation and its cleanups always run. */
export type ActionRunner = <A extends unknown[]>(
  fn: (inv: Invocation, ...args: A) => Promise<void>,
) => (...args: unknown[]) => Promise<void>;

export type CommandRegistrar = (program: Command, run: ActionRunner) => void;

const EXAMPLES = `
Examples:
  legion init --phrase-out ~/legion-phrase.txt   create an identity, save the recovery phrase
  legion whoami --json                           show the onion address and key fingerprint
  legion init --restore < phrase.txt             recreate the identity from its phrase
`;

function exitCodeHelp(): string {
  const rows = EXIT_CODE_TABLE.map(([code, meaning]) =>
    `  ${String(code).padStart(3)}  ${meaning}`
  );
  return `\nExit codes:\n${rows.join("\n")}\n`;
}

export function buildProgram(ctx: Context, registrars: readonly CommandRegistrar[]): Command {
  const program = new Command("legion")
    .description(
      "Private messaging over Tor onion services: no servers, no accounts, no phone numbers",
    )
    .version(VERSION, "-V, --version", "print the version")
    .option("--home <dir>", "data directory (default: $LEGION_HOME, $XDG_DATA_HOME/legion)")
    .option("--json", "print results as one JSON object per line")
    .option("--passphrase-file <file>", "read the passphrase from the first line of a file")
    .addOption(
      new Option("--passphrase-fd <n>", "read the passphrase from an open file descriptor")
        .argParser(parseFd)
        .conflicts("passphraseFile"),
    )
    .showSuggestionAfterError(true)
    .addHelpText("after", EXAMPLES + exitCodeHelp());

  program.exitOverride();
  program.configureOutput({
    writeOut: (text) => ctx.stdout.write(text),
    writeErr: (text) => ctx.stderr.write(text),
    outputError: (text, write) => write(commanderError(text)),
  });

  const run: ActionRunner = <A extends unknown[]>(
    fn: (inv: Invocation, ...args: A) => Promise<void>,
  ) =>
  async (...args: unknown[]) => {
    const invocation = new Invocation(ctx, args.at(-1) as Command);
    try {
      await fn(invocation, ...(args.slice(0, -1) as A));
    } finally {
      await invocation.cleanup();
    }
  };
  for (const register of registrars) register(program, run);
  for (const command of program.commands) inheritOutput(command, program);
  return program;
}

/**
 * Commander's message as `legion: error: …` lines; its suggestion line `(Did you mean send?)`
 * becomes `legion: hint: did you mean send?`.
 */
export function commanderError(text: string): string {
  return text.replace(/^error: /, "").split("\n").filter((line) => line !== "").map((line) => {
    const suggestion = /^\((Did you mean .*)\)$/.exec(line);
    return suggestion
      ? `legion: hint: ${suggestion[1].replace(/^Did/, "did")}\n`
      : `legion: error: ${line}\n`;
  }).join("");
}

/** Subcommands report usage errors the same way as the program. */
function inheritOutput(command: Command, program: Command): void {
  command.exitOverride();
  command.configureOutput(program.configureOutput());
  for (const sub of command.commands) inheritOutput(sub, program);
}

function parseFd(value: string): number {
  const fd = Number(value);
  if (!Number.isInteger(fd) || fd < 0) {
    throw new LegionError("usage", `--passphrase-fd needs a descriptor number, got ${value}`);
  }
  return fd;
}

/** Runs the program with `argv` (without the executable) and returns the process exit code. */
export async function runCli(
  ctx: Context,
  argv: readonly string[],
  registrars: readonly CommandRegistrar[],
): Promise<number> {
  const program = buildProgram(ctx, registrars);
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return ExitCode.usage;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its message through outputError.
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version") {
        return ExitCode.ok;
      }
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (isPromptInterrupt(err)) return ExitCode.interrupted;
    const mapped = toLegionError(err);
    printError(ctx, mapped ?? err, ctx.env.LEGION_DEBUG === "1");
    return mapped ? mapped.exitCode : ExitCode.failure;
  }
}

/**
 * Ctrl-C (or a closed terminal) at an @inquirer/prompts prompt rejects with its ExitPromptError:
 * the user's choice, not a bug — exit 130 like a shell does for SIGINT, without a word.
 */
function isPromptInterrupt(err: unknown): boolean {
  return err instanceof Error && err.name === "ExitPromptError";
}
