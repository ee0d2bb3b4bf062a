/**
 * Terminal QR codes: UTF-8 half blocks (two modules per character), low error correction (the
 * most data per code; a terminal is a clean medium). The largest code (version 40-L) holds
 * 2,953 bytes; anything longer is refused with a hint instead of a broken code.
 */
import QRCode from "qrcode";
import { LegionError } from "../errors.ts";

export async function renderQr(text: string): Promise<{ text: string; modules: number }> {
  let modules: number;
  try {
    modules = QRCode.create(text, { errorCorrectionLevel: "L" }).modules.size;
  } catch {
    throw new LegionError(
      "bad_data",
      `The card is too large for one QR code (${new TextEncoder().encode(text).length} bytes)`,
      { hint: "pass the card as a file or pipe instead (legion card export -o FILE)" },
    );
  }
  const rendered = await QRCode.toString(text, { type: "utf8", errorCorrectionLevel: "L" });
  return { text: rendered.replace(/\n+$/, ""), modules };
}
