/** `legion completions SHELL`: prints a completion script generated from the command tree. */
import type { Command } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { completionScript, type Shell, SHELLS } from "../cli/completions.ts";
import { LegionError } from "../errors.ts";

const INSTALL = `
Install:
  bash  legion completions bash > ~/.local/share/bash-completion/completions/legion
  zsh   legion completions zsh > "\${fpath[1]}/_legion"   (or: source <(legion completions zsh))
  fish  legion completions fish > ~/.config/fish/completions/legion.fish
`;

export function registerCompletions(program: Command, run: ActionRunner): void {
  program.command("completions")
    .description("print a shell completion script (bash, zsh or fish)")
    .argument("<shell>", SHELLS.join(", "))
    .addHelpText("after", INSTALL)
    .action(run((inv: Invocation, shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell)) {
        throw new LegionError("usage", `No completions for shell ${shell}`, {
          hint: `choose one of ${SHELLS.join(", ")}`,
        });
      }
      inv.ctx.stdout.write(completionScript(program, shell as Shell));
      return Promise.resolve();
    }));
}
