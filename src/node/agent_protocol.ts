/**
 * The local agent protocol: JSON lines over the unix socket `agent.sock` in the data dir
 * (store/layout.ts). Methods are the services of service_map.ts, plus `subscribe`.
 *
 *   request   {"id": 1, "method": "send", "params": {…}}
 *   response  {"id": 1, "result": …}  or  {"id": 1, "error": {"code", "message", "hint"?}}
 *   event     {"event": {…}}           (only on a connection that called "subscribe")
 *
 * Lines are capped at MAX_LINE_BYTES; a longer line closes the connection.
 */
import type { ErrorCode } from "../errors.ts";
import type { StoreErrorReason } from "../store/store_error.ts";

export const MAX_LINE_BYTES = 4 * 1024 * 1024;

export interface AgentRequest {
  id: number;
  method: string;
  params?: unknown;
}

export interface AgentError {
  code: ErrorCode;
  message: string;
  hint?: string;
  /** Set when the node failed on its own storage; the client re-raises it as a StoreError. */
  storage?: StoreErrorReason;
}

export type AgentReply =
  | { id: number; result: unknown }
  | { id: number; error: AgentError }
  | { event: Record<string, unknown> };

/** Splits a byte stream into lines, refusing any line longer than the cap. */
export class LineSplitter {
  #buffer = "";
  readonly #decoder = new TextDecoder();

  /** Returns the complete lines in `chunk`; throws RangeError when a line exceeds the cap. */
  push(chunk: Uint8Array): string[] {
    this.#buffer += this.#decoder.decode(chunk, { stream: true });
    const lines = this.#buffer.split("\n");
    this.#buffer = lines.pop()!;
    if (this.#buffer.length > MAX_LINE_BYTES) throw new RangeError("agent line too long");
    return lines.filter((line) => line.length > 0);
  }
}
