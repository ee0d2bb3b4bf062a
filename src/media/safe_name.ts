/**
 * A sender-chosen file name made safe to create in a directory on Linux, macOS and Windows:
 * a single basename (no separators, never `.`/`..`), no NUL, control, format (bidi overrides,
 * zero-width) or line-separator characters, none of `<>:"|?*`, no Windows device name (`con`,
 * `nul.txt`, `COM1`…), no leading dot or dash (hidden files, option look-alikes), no trailing
 * dot or space, at most {@link MAX_NAME_BYTES} bytes of UTF-8 (the extension kept when short).
 * `safeName(safeName(x)) === safeName(x)` for every string.
 */

/** 255 is the common filesystem limit; the margin leaves room for a ` (2)` style suffix. */
export const MAX_NAME_BYTES = 200;
export const FALLBACK_NAME = "file";

// Cc: controls incl. NUL, DEL, C1 · Cf: bidi embeddings/overrides/isolates, LRM/RLM/ALM,
// zero-width characters, BOM · Zl/Zp: line and paragraph separators · Windows' reserved set.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}<>:"|?*]/gu;
const DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;
const encoder = new TextEncoder();

/**
 * The safe basename for `name`, or `fallback` (itself made safe) when nothing usable is left.
 *
 * @example
 * safeName("../../etc/passwd"); // "passwd"
 * safeName("nul.txt"); // "_nul.txt"
 * safeName("invoice\u202Efdp.exe"); // "invoicefdp.exe"
 */
export function safeName(name: string, fallback: string = FALLBACK_NAME): string {
  const cleaned = clean(name);
  if (cleaned !== "") return cleaned;
  const spare = clean(fallback);
  return spare === "" ? FALLBACK_NAME : spare;
}

function clean(name: string): string {
  const parts = name.normalize("NFC").split(/[/\\]/);
  let base = "";
  for (let i = parts.length - 1; i >= 0 && base === ""; i--) base = stripEnds(parts[i]);
  if (isDevice(base)) base = `_${base}`;
  base = stripEnds(truncate(base));
  return isDevice(base) ? `_${base}` : base;
}

/** Windows opens the device for `nul`, `nul.txt` and `nul .txt` alike. */
function isDevice(base: string): boolean {
  return DEVICE.test(base.split(".")[0].trimEnd());
}

/** Drops unsafe characters, then leading dots/dashes/spaces and trailing dots/spaces. */
function stripEnds(part: string): string {
  return part.replace(UNSAFE, "").replace(/^[.\-\s]+/u, "").replace(/[.\s]+$/u, "");
}

/** Cuts to MAX_NAME_BYTES of UTF-8 on a code point boundary, keeping a short extension. */
function truncate(base: string): string {
  if (encoder.encode(base).length <= MAX_NAME_BYTES) return base;
  const dot = base.lastIndexOf(".");
  const ext = dot > 0 && base.length - dot <= 16 ? base.slice(dot) : "";
  const budget = MAX_NAME_BYTES - encoder.encode(ext).length;
  let out = "";
  let bytes = 0;
  for (const ch of ext ? base.slice(0, dot) : base) {
    const size = encoder.encode(ch).length;
    if (bytes + size > budget) break;
    out += ch;
    bytes += size;
  }
  return out + ext;
}
