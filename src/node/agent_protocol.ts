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

export const MAX_LINE_BYTES = 4 * 1024 * 1024;

export interface AgentRequest {
  id: number;
  method: string;
  params?: unknown;
}

/** A failure: a LegionError by its code, or a lower layer's reason error by class and reason. */
export type AgentError =
  | { code: ErrorCode; message: string; hint?: string }
  | { name: string; reason: string; message: string; hint?: string };

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
