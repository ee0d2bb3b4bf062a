/**
 * SEAM — minimal stand-ins for the media helpers that branch `mediaimage` builds
 * (src/media/voice_probe.ts, src/media/safe_name.ts and the safe save-path logic).
 *
 * TODO(integration with branch `mediaimage`): replace `probeVoice` with voice_probe.ts's probe
 * (Ogg/Opus and M4A/AAC by magic bytes, with the real duration) and `safeSaveName` with
 * safe_name.ts's, then delete this file. Callers: src/commands/send.ts (`--voice`) and
 * src/commands/save.ts. Both are deliberately strict and small: they refuse or rename rather than
 * guess.
 */

export interface VoiceProbe {
  mime: "audio/ogg" | "audio/mp4";
  /** Milliseconds; 0 = unknown (this stand-in never parses the container). */
  durationMs: number;
}

/** Checks a clip's first bytes (not its name): Ogg (`OggS` + `OpusHead`) or MP4 audio (`ftypM4A`). */
export function probeVoice(head: Uint8Array): VoiceProbe | undefined {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head.length >= 36 && ascii(0, 4) === "OggS" && ascii(28, 36) === "OpusHead") {
    return { mime: "audio/ogg", durationMs: 0 };
  }
  if (head.length >= 12 && ascii(4, 8) === "ftyp" && ["M4A ", "M4B "].includes(ascii(8, 12))) {
    return { mime: "audio/mp4", durationMs: 0 };
  }
  return undefined;
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/**
 * A name safe to create in a directory from a peer's name hint: its last path component, with
 * control, separator and shell-awkward characters replaced, no leading dots, no reserved device
 * names, at most 120 bytes; `fallback` when nothing is left.
 */
export function safeSaveName(hint: string, fallback: string): string {
  const base = hint.split(/[\\/]/).pop() ?? "";
  // deno-lint-ignore no-control-regex
  let name = base.replace(/[\u0000-\u001f\u007f-\u009f<>:"|?*]/g, "_").replace(/^[.\s]+/, "")
    .replace(/[.\s]+$/, "");
  while (new TextEncoder().encode(name).length > 120) name = name.slice(0, -1);
  if (name === "" || WINDOWS_RESERVED.test(name)) return fallback;
  return name;
}
