/** Why a recovery phrase was refused; the CLI maps every reason to bad data (65). */
import { ReasonError } from "../errors.ts";

export type PhraseErrorReason = "word_count" | "checksum";

export class PhraseError extends ReasonError<PhraseErrorReason> {
  override readonly name = "PhraseError";
}
