/**
 * stdout carries results only: human text, or with `--json` one JSON object per line, each with a
 * `type` field. Diagnostics and progress go to stderr as `legion: …`.
 */
import type { Context } from "./context.ts";
import { toLegionError } from "./error_map.ts";
import { terminalLine, terminalLines } from "./terminal_text.ts";

export type JsonRecord = { type: string } & Record<string, unknown>;

export class Output {
  constructor(private readonly ctx: Context, readonly json: boolean) {}

  /**
   * Emits one result: `record` as a JSON line in JSON mode (exact text), else the human lines.
   * Callers neutralise peer text with terminal_text.ts (names with `terminalLine`, bodies with
   * `withBody`); as a safety net, no control, bidi or invisible character reaches the terminal
   * from here either.
   */
  result(record: JsonRecord, human: string | readonly string[]): void {
    if (this.json) {
      this.ctx.stdout.write(JSON.stringify(record) + "\n");
      return;
    }
    const lines = typeof human === "string" ? [human] : human;
    for (const line of lines) this.ctx.stdout.write(terminalLines(line) + "\n");
  }

  /** Progress or notes for humans; never part of the result stream. */
  note(message: string): void {
    this.ctx.stderr.write(`legion: ${terminalLine(message)}\n`);
  }

  warn(message: string): void {
    this.ctx.stderr.write(`legion: warning: ${terminalLine(message)}\n`);
  }
}

/** Prints an error as one `legion: error: …` line (plus `legion: hint: …`); never a stack trace. */
export function printError(ctx: Context, err: unknown, verbose: boolean): void {
  const known = toLegionError(err);
  if (known) {
    ctx.stderr.write(`legion: error: ${oneLine(known.message)}\n`);
    if (known.hint) ctx.stderr.write(`legion: hint: ${oneLine(known.hint)}\n`);
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  ctx.stderr.write(`legion: error: internal error: ${oneLine(message)}\n`);
  if (verbose && err instanceof Error && err.stack) ctx.stderr.write(err.stack + "\n");
  else ctx.stderr.write("legion: hint: run with LEGION_DEBUG=1 for details and report a bug\n");
}

/** Errors may quote peer data (a card's field, a contact's name): one neutralised line. */
function oneLine(text: string): string {
  return terminalLine(text.replace(/\s*\n\s*/g, " ").trim());
}
