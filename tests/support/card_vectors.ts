/**
 * The checked-in card fixtures written by make_card_vectors.ts: tests/vectors/card_v2.json (the
 * signing seed, the clock they were made at, and named cards with the verdict each must get) and
 * the golden armored card tests/golden/card_v2.txt.
 */
export interface CardVectorFile {
  seed: string;
  now: number;
  vectors: Array<{ name: string; expect: string; card: string }>;
}

export const CARD_VECTORS = JSON.parse(
  await Deno.readTextFile(new URL("../vectors/card_v2.json", import.meta.url)),
) as CardVectorFile;

/** The golden armored card, without its trailing newline. */
export const GOLDEN_CARD =
  (await Deno.readTextFile(new URL("../golden/card_v2.txt", import.meta.url))).trimEnd();

/** Version 3 (mailboxes), made from the v2 golden by make_card_v3_vectors.ts. */
export const CARD_V3_VECTORS = JSON.parse(
  await Deno.readTextFile(new URL("../vectors/card_v3.json", import.meta.url)),
) as CardVectorFile;

export const GOLDEN_CARD_V3 =
  (await Deno.readTextFile(new URL("../golden/card_v3.txt", import.meta.url))).trimEnd();
