/**
 * Why a byte stream is not a valid sequence of frames. Each reason is a distinct failure class so
 * tests and callers can tell an oversize frame from bad padding or a stream cut mid-frame.
 */
import { ReasonError } from "../errors.ts";

export type FrameErrorReason =
  | "oversize"
  | "not_a_bucket"
  | "bad_content_length"
  | "bad_padding"
  | "truncated"
  | "content_too_large";

export class FrameError extends ReasonError<FrameErrorReason> {
  override readonly name = "FrameError";
}
