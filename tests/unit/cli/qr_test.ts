import assert from "node:assert/strict";
import { renderQr } from "../../../src/cli/qr.ts";
import { isUserError } from "../../support/user_error.ts";

Deno.test("renderQr() draws UTF-8 half blocks and reports the module count", async () => {
  const qr = await renderQr("x".repeat(2800));
  assert.ok(qr.modules >= 173, `${qr.modules} modules`); // version 39 or 40
  assert.match(qr.text, /[█▀▄]/);
  assert.ok(qr.text.split("\n").length >= qr.modules / 2);
});

Deno.test("renderQr() refuses data too large for one code, with a hint", async () => {
  await assert.rejects(renderQr("x".repeat(3000)), (err) => {
    assert.ok(isUserError(err, "bad_data"));
    assert.match(err.message, /too large for one QR code \(3000 bytes\)/);
    assert.ok(err.hint);
    return true;
  });
});
