/**
 * V8 flags for every way `legion` is started (the installed wrapper, `deno task legion`, the
 * `deno compile` binary; deno.json's tasks repeat them literally).
 *
 * `--max-semi-space-size=1` (MB) keeps V8's young generation small, so the short-lived JavaScript
 * wrappers of libsignal objects (a session record, addresses and keys per message) die in frequent
 * scavenges and their native memory is freed at once; V8 cannot see that native memory and, with
 * its default young generation (up to 16 MB per semi-space), lets it pile up. Measured with
 * `deno task bench:memory` (receiving node, 10,000 messages): RSS 188 → 140 MB at the 10,000th
 * message, for ≈10 % more time per message (docs/security.md, "Memory").
 */
export const V8_FLAGS = "--max-semi-space-size=1";
