import { isMediaError } from "../../../src/media/media_error.ts";
import { probeVoice, sniffVoice } from "../../../src/media/voice_probe.ts";
import { assert, assertEquals, assertThrows } from "../../support/assert.ts";
import { box, concat, m4a, oggOpus } from "../../support/voice_fixture.ts";

function refused(bytes: Uint8Array): void {
  const err = assertThrows(() => probeVoice(bytes));
  assert(isMediaError(err, "not_a_voice_clip"), `expected not_a_voice_clip, got ${err}`);
}

Deno.test("probeVoice() reads an Ogg/Opus duration from the last granule minus pre-skip", () => {
  assertEquals(probeVoice(oggOpus(48_000 * 7 + 24_000)), {
    format: "ogg-opus",
    mime: "audio/ogg",
    durationMs: 7_500,
  });
});

Deno.test("probeVoice() reads an M4A duration from mvhd (duration / timescale)", () => {
  assertEquals(probeVoice(m4a(12_345)), {
    format: "m4a-aac",
    mime: "audio/mp4",
    durationMs: 12_345,
  });
});

Deno.test("probeVoice() goes by bytes, not names: Ogg Vorbis, MP3, WAV, text, video refused", () => {
  const vorbis = oggOpus(48_000);
  vorbis.set(new TextEncoder().encode("\x01vorbis\0"), 28);
  refused(vorbis);
  refused(new TextEncoder().encode("ID3\x04\0\0\0\0\0\0 mp3 data"));
  refused(new TextEncoder().encode("RIFF\0\0\0\0WAVEfmt "));
  refused(new TextEncoder().encode("not audio at all, though named clip.ogg"));
  refused(new Uint8Array(0));
  const video = concat(
    box("ftyp", new TextEncoder().encode("isom\0\0\0\0isom")),
    box("moov", box("mvhd", new Uint8Array(100)), box("trak", box("avc1"))),
  );
  refused(video);
});

Deno.test("probeVoice() refuses truncated containers whose duration cannot be read", () => {
  const ogg = oggOpus(48_000);
  refused(ogg.subarray(0, 40));
  const clip = m4a(1000);
  refused(clip.subarray(0, 40)); // moov cut off
  assertEquals(sniffVoice(clip.subarray(0, 40)), "m4a-aac"); // the magic alone is not enough
});
