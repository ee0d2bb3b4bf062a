/**
 * Why an image, voice clip or file name was refused by the media layer. Each reason is its own
 * stable value; the CLI maps them all to `bad_data` (exit 65), except the two refusals of a save
 * destination, `unsafe_destination` and `exists`, which are `config` (78) like every other output
 * file (src/cli/error_map.ts, src/cli/new_file.ts).
 */
import { ReasonError } from "../errors.ts";

export type MediaErrorReason =
  /** Not a raster image by its magic bytes (SVG, HTML, PDF, text, unknown). */
  | "not_an_image"
  /** Raster magic bytes, but another format is embedded in it (HTML, script, PDF, ZIP). */
  | "polyglot"
  /** sharp could not decode it (truncated, corrupt) or it decodes as another format. */
  | "undecodable"
  /** More pixels or bytes than the limit. */
  | "too_large"
  /** Not Ogg/Opus or M4A/AAC by its magic bytes, or its duration cannot be read. */
  | "not_a_voice_clip"
  /** A body (image payload) whose header is malformed. */
  | "bad_body"
  /** The save destination is a symlink, special file or outside the directory. */
  | "unsafe_destination"
  /** The save destination exists and overwriting was not asked for. */
  | "exists";

export class MediaError extends ReasonError<MediaErrorReason> {
  override readonly name = "MediaError";
}

/** Type guard, optionally narrowed to one reason. */
export function isMediaError(err: unknown, reason?: MediaErrorReason): err is MediaError {
  return err instanceof MediaError && (reason === undefined || err.reason === reason);
}
