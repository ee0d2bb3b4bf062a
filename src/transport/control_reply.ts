/**
 * Parser for Tor control-port replies (control-spec.txt §2.3, §2.4):
 *
 *   reply     = *(mid-line / data-line) end-line
 *   mid-line  = status "-" text CRLF
 *   data-line = status "+" text CRLF data "." CRLF     (data lines dot-stuffed: ".." → ".")
 *   end-line  = status " " text CRLF
 *
 * Status 650 marks an asynchronous event; 4xx and 5xx are errors. The parser is incremental (feed
 * it text as it arrives) and pure: no sockets here.
 */

export interface ControlLine {
  status: number;
  text: string;
  /** The lines of a `+` data block, un-dot-stuffed, joined with "\n". */
  data?: string;
}

export interface ControlReply {
  /** The status of the final line. */
  status: number;
  lines: ControlLine[];
}

/** Longest line accepted from the control port; a longer one is a protocol error. */
export const MAX_CONTROL_LINE = 64 * 1024;
/** Most text one reply may carry (all its lines and data); Legion's replies are a few KiB. */
export const MAX_CONTROL_REPLY = 1024 * 1024;

/** A reply that is not well-formed control protocol. */
export class ControlProtocolError extends Error {
  override readonly name = "ControlProtocolError";
}

export class ControlReplyParser {
  #buffer = "";
  #lines: ControlLine[] = [];
  #data: { line: ControlLine; lines: string[] } | undefined;

  #replyBytes = 0;

  /**
   * Consumes text and returns every reply it completes, in order.
   * @throws {ControlProtocolError} on a malformed line, a line over {@link MAX_CONTROL_LINE} or a
   *   reply over {@link MAX_CONTROL_REPLY}; the parser is unusable afterwards
   */
  push(text: string): ControlReply[] {
    this.#buffer += text;
    const replies: ControlReply[] = [];
    let start = 0;
    let newline: number;
    // Scan with an index and cut the buffer once: slicing per line is quadratic in the chunk.
    while ((newline = this.#buffer.indexOf("\n", start)) !== -1) {
      if (newline - start > MAX_CONTROL_LINE + 1) {
        throw new ControlProtocolError("Control reply line too long");
      }
      const raw = this.#buffer.slice(start, newline).replace(/\r$/, "");
      start = newline + 1;
      this.#replyBytes += raw.length + 1;
      if (this.#replyBytes > MAX_CONTROL_REPLY) {
        throw new ControlProtocolError("Control reply too long");
      }
      const reply = this.#line(raw);
      if (reply) {
        replies.push(reply);
        this.#replyBytes = 0;
      }
    }
    this.#buffer = this.#buffer.slice(start);
    if (this.#buffer.length > MAX_CONTROL_LINE) {
      throw new ControlProtocolError("Control reply line too long");
    }
    return replies;
  }

  #line(raw: string): ControlReply | undefined {
    if (this.#data) {
      if (raw === ".") {
        this.#data.line.data = this.#data.lines.join("\n");
        this.#data = undefined;
      } else {
        this.#data.lines.push(raw.startsWith("..") ? raw.slice(1) : raw);
      }
      return undefined;
    }
    const match = /^(\d{3})([ +-])(.*)$/s.exec(raw);
    if (!match) throw new ControlProtocolError(`Malformed control reply line: ${raw.slice(0, 80)}`);
    const status = Number(match[1]);
    const line: ControlLine = { status, text: match[3] };
    this.#lines.push(line);
    if (match[2] === "+") {
      this.#data = { line, lines: [] };
      return undefined;
    }
    if (match[2] === "-") return undefined;
    const reply = { status, lines: this.#lines };
    this.#lines = [];
    return reply;
  }
}

/**
 * Parses `KEY=VALUE` pairs (values may be quoted strings with backslash escapes) from a reply line,
 * e.g. `METHODS=COOKIE,SAFECOOKIE COOKIEFILE="/var/lib/tor/control_auth_cookie"`.
 * Bare words without `=` are returned under their own name with value "".
 */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    while (text[i] === " ") i++;
    if (i >= text.length) break;
    const keyStart = i;
    while (i < text.length && text[i] !== "=" && text[i] !== " ") i++;
    const key = text.slice(keyStart, i);
    if (text[i] !== "=") {
      out[key] = "";
      continue;
    }
    i++;
    if (text[i] === '"') {
      const { value, end } = readQuoted(text, i);
      out[key] = value;
      i = end;
    } else {
      const valueStart = i;
      while (i < text.length && text[i] !== " ") i++;
      out[key] = text.slice(valueStart, i);
    }
  }
  return out;
}

/** Reads a control-spec QuotedString starting at `start` (the opening quote). */
export function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = "";
  let i = start + 1;
  while (i < text.length && text[i] !== '"') {
    if (text[i] === "\\" && i + 1 < text.length) {
      const next = text[i + 1];
      value += next === "n" ? "\n" : next === "r" ? "\r" : next === "t" ? "\t" : next;
      i += 2;
    } else {
      value += text[i++];
    }
  }
  if (text[i] !== '"') throw new ControlProtocolError("Unterminated quoted string in reply");
  return { value, end: i + 1 };
}

/** Quotes a string for a control command argument. */
export function quote(value: string): string {
  return '"' + value.replace(/[\\"]/g, (c) => "\\" + c).replace(/\r?\n/g, "\\n") + '"';
}
