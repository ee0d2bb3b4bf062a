/** `12345 67890 …`: a safety number's 60 digits as twelve groups of five (no libsignal needed). */
export function formatSafetyNumber(digits: string): string {
  return digits.match(/.{1,5}/g)!.join(" ");
}
