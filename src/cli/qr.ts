/**
 * Terminal QR codes: UTF-8 half blocks (two modules per character), low error correction by default
 * (the most data per code; a terminal is a clean medium). The largest code (version 40-L) holds
 * 2,953 bytes; anything longer is refused with a hint instead of a broken code. `card export --qr`
 * renders a card's short form (118 characters) at level M: version 5, 37×37 modules.
 */
import QRCode from "qrcode";
import { LegionError } from "../errors.ts";

export interface RenderedQr {
  text: string;
  /** QR version (1–40). */
  version: number;
  /** Modules per side. */
  modules: number;
}

export async function renderQr(
  text: string,
  errorCorrectionLevel: "L" | "M" = "L",
): Promise<RenderedQr> {
  let code: { version: number; modules: { size: number } };
  try {
    code = QRCode.create(text, { errorCorrectionLevel });
  } catch {
    throw new LegionError(
      "bad_data",
      `The card is too large for one QR code (${new TextEncoder().encode(text).length} bytes)`,
      { hint: "pass the card as a file or pipe instead (legion card export -o FILE)" },
    );
  }
  const rendered = await QRCode.toString(text, { type: "utf8", errorCorrectionLevel });
  return { text: rendered.replace(/\n+$/, ""), version: code.version, modules: code.modules.size };
}
