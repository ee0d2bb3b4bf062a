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
