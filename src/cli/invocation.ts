/**
 * What a command action works with: the injected context, the global options, the output stream
 * and the data dir — plus `unlock()`, which asks for the passphrase only when it is needed. It is
 * also the node's `NodeContext`, so node code runs under the CLI without depending on it.
 */
import type { Command } from "commander";
import type { Context } from "./context.ts";
import { Output } from "./output.ts";
import { resolveHome } from "./paths.ts";
import { withPassphrase } from "./passphrase.ts";
import { databaseExists } from "../store/layout.ts";
import { assertPrivateHome } from "../store/home_mode.ts";
import { type UnlockedStore, unlockStore } from "../store/open_store.ts";
import type { NodeContext } from "../node/node_context.ts";
import type { ServiceName, ServiceParams, ServiceResult } from "../node/service_map.ts";
import { LegionError } from "../errors.ts";
import { stopOnSignals } from "./stop_signals.ts";

export interface GlobalOptions {
  home?: string;
  json?: boolean;
  passphraseFile?: string;
  passphraseFd?: number;
}

export class Invocation implements NodeContext {
  readonly globals: GlobalOptions;
  readonly out: Output;
  readonly home: string;
  readonly #cleanups: Array<() => void | Promise<void>> = [];
  #stop?: AbortSignal;

  constructor(readonly ctx: Context, command: Command) {
    this.globals = command.optsWithGlobals() as GlobalOptions;
    this.out = new Output(ctx, this.globals.json ?? false);
    this.home = resolveHome(ctx, this.globals.home);
  }

  get env(): Readonly<Record<string, string | undefined>> {
    return this.ctx.env;
  }

  now(): number {
    return this.ctx.now();
  }

  note(message: string): void {
    this.out.note(message);
  }

  warn(message: string): void {
    this.out.warn(message);
  }

  /**
   * Opens and unlocks the store; fails with a hint before prompting when there is no identity or
   * the data dir is open to other users.
   */
  async unlock(): Promise<UnlockedStore> {
    assertPrivateHome(this.home);
    if (!databaseExists(this.home)) {
      throw new LegionError("no_identity", `No Legion identity in ${this.home}`, {
        hint: "run `legion init` first, or pass --home DIR",
      });
    }
    const store = await withPassphrase(
      this.ctx,
      this.globals,
      (passphrase) => unlockStore(this.home, passphrase, this.ctx.now()),
    );
    this.onCleanup(() => store.close());
    return store;
  }

  /**
   * Runs a named service (node/service_map.ts) in the running node when there is one, else in
   * this process after unlocking the store.
   */
  async service<N extends ServiceName>(
    name: N,
    params: ServiceParams<N>,
  ): Promise<ServiceResult<N>> {
    const { callService } = await import("../node/service_call.ts");
    return await callService(this, name, params);
  }

  /** Aborted by the first SIGINT/SIGTERM once `stopOnSignals()` was called. */
  get signal(): AbortSignal | undefined {
    return this.#stop;
  }

  /**
   * From now on SIGINT/SIGTERM stop this command gracefully: `signal` is aborted and the cleanups
   * run; a second signal, or a stop taking longer than a few seconds, exits at once (130/143).
   */
  stopOnSignals(): AbortSignal {
    if (this.#stop) return this.#stop;
    const signals = stopOnSignals();
    this.onCleanup(() => signals.dispose());
    return this.#stop = signals.signal;
  }

  onCleanup(fn: () => void | Promise<void>): void {
    this.#cleanups.push(fn);
  }

  /** Runs cleanups in reverse order; called by the program after every action, even on error. */
  async cleanup(): Promise<void> {
    while (this.#cleanups.length > 0) await this.#cleanups.pop()!();
  }
}
