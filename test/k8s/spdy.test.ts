// The SPDY/3.1 framing kubectl's SPDY streams speak (server/spdy.ts): the header dictionary byte for byte, header
// blocks compressed with it across several frames of one context, frames cut anywhere across reads, and a session
// over a real TCP connection — a stream opened with headers, replied to, data both ways with FIN, a client's PING
// echoed, WINDOW_UPDATEs as data is consumed, a RST_STREAM ending a stream, a corrupt header block answered by GOAWAY.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, connect, type Socket } from "node:net";
import {
  FrameSplitter,
  HEADER_DICTIONARY,
  HeaderCompressor,
  HeaderDecompressor,
  SpdySession,
  encodeFrame,
  parseFrame,
  type Frame,
  type SpdyStream,
} from "../../server/spdy";

test("the header dictionary is SPDY/3's, byte for byte", () => {
  assert.equal(HEADER_DICTIONARY.length, 1423);
  // The digest of the dictionary in the SPDY/3 draft (section 2.6.10.1), as Go's spdy package carries it.
  assert.equal(createHash("sha256").update(HEADER_DICTIONARY).digest("hex"), "51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02");
});

test("SYN_STREAMs with compressed headers round-trip through one compression context, and a frame cut anywhere parses", async () => {
  const out = new HeaderCompressor();
  const into = new HeaderDecompressor();
  const frames: Array<Exclude<Frame, { type: "unknown" }>> = [
    { type: "syn_stream", streamId: 1, associatedId: 0, priority: 0, fin: false, unidirectional: false, headers: { streamtype: ["error"], port: ["80"], requestid: ["0"] } },
    { type: "syn_stream", streamId: 3, associatedId: 0, priority: 7, fin: true, unidirectional: false, headers: { streamtype: ["data"], port: ["80"], requestid: ["0"], "x-many": ["a", "b"] } },
    { type: "data", streamId: 3, fin: true, data: Buffer.from("GET / HTTP/1.0\r\n\r\n") },
    { type: "syn_reply", streamId: 2, fin: false, headers: {} },
    { type: "window_update", streamId: 3, delta: 32768 },
    { type: "ping", id: 7 },
    { type: "goaway", lastGoodStreamId: 3, status: 0 },
    { type: "rst_stream", streamId: 5, status: 5 },
    { type: "settings", clear: false, entries: [{ id: 7, flags: 0, value: 1 << 20 }] },
  ];
  const bytes = Buffer.concat(await Promise.all(frames.map((f) => encodeFrame(f, out))));
  // The second block reuses the first's words through the shared context: it is smaller than the first.
  const first = await encodeFrame(frames[0]!, new HeaderCompressor());
  assert.ok(first.length < 8 + 10 + 60, `the first block is compressed with the dictionary (${first.length} bytes)`);

  // Fed one byte at a time: every frame comes out whole, in order, equal to what went in.
  const splitter = new FrameSplitter();
  const parsed: Frame[] = [];
  for (let i = 0; i < bytes.length; i++) {
    for (const { head, payload } of splitter.push(bytes.subarray(i, i + 1))) parsed.push(await parseFrame(head, payload, into));
  }
  assert.deepEqual(parsed, frames);
});

test("a header block that is not zlib with SPDY's dictionary is refused", async () => {
  const splitter = new FrameSplitter();
  const head = Buffer.from([0x80, 0x03, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0c]);
  const [f] = splitter.push(Buffer.concat([head, Buffer.from([0, 0, 0, 1]), Buffer.from("garbage!")]));
  await assert.rejects(parseFrame(f!.head, f!.payload, new HeaderDecompressor()), /compressed header block is corrupt/);
});

/** A SPDY client of this test's own over a real TCP connection to a session. */
async function pair(onStream: (s: SpdyStream) => void) {
  let session!: SpdySession;
  const server = createServer((sock) => (session = new SpdySession(sock, { onStream })));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const sock: Socket = connect((server.address() as { port: number }).port, "127.0.0.1");
  await new Promise((r) => sock.once("connect", r));
  const out = new HeaderCompressor();
  const into = new HeaderDecompressor();
  const splitter = new FrameSplitter();
  const got: Frame[] = [];
  let chain = Promise.resolve();
  sock.on("data", (c) => {
    for (const { head, payload } of splitter.push(c)) chain = chain.then(async () => void got.push(await parseFrame(head, payload, into)));
  });
  const closed = new Promise<void>((r) => sock.once("close", () => r()));
  return {
    got,
    closed,
    session: () => session,
    send: async (f: Exclude<Frame, { type: "unknown" }>) => void sock.write(await encodeFrame(f, out)),
    raw: (b: Buffer) => sock.write(b),
    async waitFor(pred: (f: Frame) => boolean, what: string) {
      const deadline = Date.now() + 5000;
      while (!got.some(pred)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(got.map((f) => f.type))}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return got.find(pred)!;
    },
    async stop() {
      sock.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

test("a session: a stream opened with headers is replied to, data flows both ways with FIN, PING is echoed, consumed data is granted back", async () => {
  const seen: Array<{ id: number; type?: string; data: string }> = [];
  const c = await pair((s) => {
    const rec = { id: s.id, type: s.header("streamType"), data: "" };
    seen.push(rec);
    s.reply();
    s.on("data", (d: Buffer) => {
      rec.data += d.toString();
      s.consumed(d.length);
    });
    s.on("end", () => {
      s.write(Buffer.from(`echo:${rec.data.length}`));
      s.end();
    });
  });
  await c.send({ type: "syn_stream", streamId: 1, associatedId: 0, priority: 0, fin: false, unidirectional: false, headers: { streamtype: ["data"] } });
  const reply = await c.waitFor((f) => f.type === "syn_reply", "the SYN_REPLY");
  assert.equal((reply as { streamId: number }).streamId, 1);
  // 40 KiB: past half the 64 KiB window, so the stream and the session are granted it back.
  await c.send({ type: "data", streamId: 1, fin: false, data: Buffer.alloc(40 << 10, 0x61) });
  await c.send({ type: "data", streamId: 1, fin: true, data: Buffer.from("!") });
  await c.waitFor((f) => f.type === "data" && f.fin, "the answer's FIN");
  const data = c.got.filter((f): f is Extract<Frame, { type: "data" }> => f.type === "data");
  assert.equal(Buffer.concat(data.map((d) => d.data)).toString(), `echo:${(40 << 10) + 1}`);
  assert.deepEqual(seen.map((s) => [s.id, s.type]), [[1, "data"]]);
  const updates = c.got.filter((f) => f.type === "window_update") as Array<{ streamId: number; delta: number }>;
  assert.deepEqual(updates.map((u) => [u.streamId, u.delta]).sort(), [[0, 40 << 10], [1, 40 << 10]]);

  await c.send({ type: "ping", id: 9 });
  assert.deepEqual(await c.waitFor((f) => f.type === "ping", "the PING echoed"), { type: "ping", id: 9 });
  assert.equal(c.session().streams.size, 0, "a stream ended both ways is gone");
  await c.stop();
});

test("a session: RST_STREAM ends a stream; a corrupt header block is answered with GOAWAY and the end of the connection", async () => {
  const resets: Array<number | null> = [];
  const c = await pair((s) => {
    s.reply();
    s.on("reset", (status: number | null) => resets.push(status));
  });
  await c.send({ type: "syn_stream", streamId: 1, associatedId: 0, priority: 0, fin: false, unidirectional: false, headers: {} });
  await c.waitFor((f) => f.type === "syn_reply", "the SYN_REPLY");
  await c.send({ type: "rst_stream", streamId: 1, status: 5 });
  const deadline = Date.now() + 5000;
  while (!resets.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(resets, [5]);

  c.raw(Buffer.concat([Buffer.from([0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x12]), Buffer.from([0, 0, 0, 3, 0, 0, 0, 0, 0, 0]), Buffer.from("garbage!")]));
  const away = await c.waitFor((f) => f.type === "goaway", "GOAWAY");
  assert.deepEqual(away, { type: "goaway", lastGoodStreamId: 1, status: 1 });
  await c.closed;
  await c.stop();
});
