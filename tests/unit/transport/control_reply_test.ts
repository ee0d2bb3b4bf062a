import assert from "node:assert/strict";
import {
  ControlProtocolError,
  ControlReplyParser,
  MAX_CONTROL_LINE,
  MAX_CONTROL_REPLY,
  parseKeyValues,
  quote,
} from "../../../src/transport/control_reply.ts";

Deno.test("ControlReplyParser reads a one-line reply", () => {
  const replies = new ControlReplyParser().push("250 OK\r\n");
  assert.deepEqual(replies, [{ status: 250, lines: [{ status: 250, text: "OK" }] }]);
});

Deno.test("ControlReplyParser joins mid-lines into one reply", () => {
  const replies = new ControlReplyParser().push(
    '250-PROTOCOLINFO 1\r\n250-AUTH METHODS=COOKIE COOKIEFILE="/x/c"\r\n250-VERSION Tor="0.4.9.11"\r\n250 OK\r\n',
  );
  assert.equal(replies.length, 1);
  assert.equal(replies[0].lines.length, 4);
  assert.equal(replies[0].lines[1].text, 'AUTH METHODS=COOKIE COOKIEFILE="/x/c"');
});

Deno.test("ControlReplyParser reads a data block and undoes dot-stuffing", () => {
  const replies = new ControlReplyParser().push(
    "250+config-text=\r\nSocksPort 9050\r\n..hidden\r\n.\r\n250 OK\r\n",
  );
  assert.equal(replies.length, 1);
  assert.equal(replies[0].lines[0].text, "config-text=");
  assert.equal(replies[0].lines[0].data, "SocksPort 9050\n.hidden");
});

Deno.test("ControlReplyParser completes replies split across chunks at any point", () => {
  const text = "250-a=1\r\n650 HS_DESC UPLOADED abc UNKNOWN x\r\n250 OK\r\n";
  for (let cut = 0; cut <= text.length; cut++) {
    const parser = new ControlReplyParser();
    const replies = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))];
    assert.equal(replies.length, 2, `cut at ${cut}`);
  }
});

Deno.test("ControlReplyParser separates a 650 event and keeps 5xx status", () => {
  const replies = new ControlReplyParser().push(
    '650 HS_DESC UPLOADED abc UNKNOWN $F\r\n552 Unrecognized key "nope"\r\n',
  );
  assert.deepEqual(replies.map((r) => r.status), [650, 552]);
  assert.equal(replies[1].lines[0].text, 'Unrecognized key "nope"');
});

Deno.test("ControlReplyParser accepts bare LF line endings", () => {
  assert.equal(new ControlReplyParser().push("250 OK\n").length, 1);
});

Deno.test("ControlReplyParser rejects a line without a status code", () => {
  assert.throws(() => new ControlReplyParser().push("hello\r\n"), ControlProtocolError);
  assert.throws(() => new ControlReplyParser().push("25 OK\r\n"), ControlProtocolError);
});

Deno.test("ControlReplyParser rejects an endless line", () => {
  assert.throws(
    () => new ControlReplyParser().push("250-" + "x".repeat(70_000)),
    ControlProtocolError,
  );
});

Deno.test("parseKeyValues() reads bare, quoted and escaped values", () => {
  assert.deepEqual(
    parseKeyValues('METHODS=COOKIE,SAFECOOKIE COOKIEFILE="/a b/c\\"d" FLAG'),
    { METHODS: "COOKIE,SAFECOOKIE", COOKIEFILE: '/a b/c"d', FLAG: "" },
  );
  assert.deepEqual(
    parseKeyValues('NOTICE BOOTSTRAP PROGRESS=45 TAG=x SUMMARY="Asking for relay descriptors"'),
    {
      NOTICE: "",
      BOOTSTRAP: "",
      PROGRESS: "45",
      TAG: "x",
      SUMMARY: "Asking for relay descriptors",
    },
  );
  assert.throws(() => parseKeyValues('A="unterminated'), ControlProtocolError);
});

Deno.test("quote() escapes quotes and backslashes", () => {
  assert.equal(quote('pa"ss\\word'), '"pa\\"ss\\\\word"');
});

Deno.test("ControlReplyParser refuses an over-long line even when it arrives complete", () => {
  const ok = "250 " + "x".repeat(MAX_CONTROL_LINE - 4) + "\r\n";
  assert.equal(new ControlReplyParser().push(ok).length, 1);
  const long = "250 " + "x".repeat(MAX_CONTROL_LINE + 10) + "\r\n";
  assert.throws(() => new ControlReplyParser().push(long), ControlProtocolError);
});

Deno.test("ControlReplyParser refuses a reply that never ends past MAX_CONTROL_REPLY", () => {
  const parser = new ControlReplyParser();
  const line = "250-" + "y".repeat(1000) + "\r\n";
  assert.throws(() => {
    for (let sent = 0; sent <= MAX_CONTROL_REPLY + line.length; sent += line.length) {
      parser.push(line);
    }
  }, ControlProtocolError);
  const data = new ControlReplyParser();
  data.push("250+big=\r\n");
  assert.throws(() => {
    const block = "z".repeat(1000) + "\r\n";
    for (let sent = 0; sent <= MAX_CONTROL_REPLY + block.length; sent += block.length) {
      data.push(block);
    }
  }, ControlProtocolError);
});
