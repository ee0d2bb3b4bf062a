/**
 * The one writer of a store connection: every write takes a single lock and runs in its own
 * transaction, so a write that awaits (libsignal's async store callbacks) can never be joined by
 * another caller's work and rolled back with it.
 *
 * A write started from inside a running write of the same writer (the messenger calling the
 * libsignal stores, say) joins it: the async context tells the writer it is its own caller's
 * transaction. Anyone else queues behind the lock.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { DatabaseSync } from "node:sqlite";
import { Mutex } from "./mutex.ts";
import { inTransaction, runAsyncTransaction, runTransaction } from "./transaction.ts";

/** One open write: `open` turns false when it ends, so late callbacks do not join it. */
interface WriteScope {
  writer: StoreWriter;
  open: boolean;
  /** Run once the transaction has committed (events about what it wrote). */
  committed: Array<() => void>;
  /** Run once it has rolled back (memory that ran ahead of the disk). */
  rolledBack: Array<() => void>;
}

const scopes = new AsyncLocalStorage<WriteScope>();

export class StoreWriter {
  readonly #lock = new Mutex();
  #busy = 0;

  constructor(readonly db: DatabaseSync) {}

  /** Runs `fn` alone and inside one transaction (or inside the caller's own open write). */
  write<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.#inOwnWrite()) return Promise.resolve().then(fn);
    return this.#exclusive(() => {
      const scope: WriteScope = { writer: this, open: true, committed: [], rolledBack: [] };
      return scopes.run(scope, async () => {
        let result: T;
        try {
          result = await runAsyncTransaction(this.db, async () => await fn());
        } catch (err) {
          scope.open = false;
          for (const hook of scope.rolledBack) hook();
          throw err;
        }
        scope.open = false;
        for (const hook of scope.committed) hook();
        return result;
      });
    });
  }

  /**
   * Defers `onCommit` until the running write of this writer commits (it is dropped, and
   * `onRollback` runs, if the write rolls back); outside a write, `onCommit` runs at once. Events
   * about what a write stored go here, so a write rolled back and retried reports them once.
   */
  afterCommit(onCommit: () => void, onRollback?: () => void): void {
    const scope = scopes.getStore();
    if (scope === undefined || scope.writer !== this || !scope.open) {
      onCommit();
      return;
    }
    scope.committed.push(onCommit);
    if (onRollback) scope.rolledBack.push(onRollback);
  }

  /**
   * A synchronous write, for opening a store before anything else runs on it. Inside an own
   * write it joins; while another write holds the lock it throws (a programming error: that code
   * path must use `write`).
   */
  writeSync<T>(fn: () => T): T {
    if (this.#inOwnWrite()) return fn();
    if (this.#busy > 0 || inTransaction(this.db)) {
      throw new Error("writeSync() while another write is running: use write()");
    }
    return runTransaction(this.db, fn);
  }

  /** Runs `fn` alone, outside any transaction (checkpoints, VACUUM). */
  exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.#inOwnWrite()) {
      return Promise.reject(new Error("exclusive() cannot run inside a write"));
    }
    return this.#exclusive(fn);
  }

  #exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.#lock.run(async () => {
      this.#busy++;
      try {
        return await fn();
      } finally {
        this.#busy--;
      }
    });
  }

  #inOwnWrite(): boolean {
    const scope = scopes.getStore();
    return scope !== undefined && scope.writer === this && scope.open;
  }
}
