// Forwarding in the embedded DNS server: names that are not containers go to the configured upstream (here a
// resolver on 127.0.0.1 that this test runs), container names never do, and a silent upstream gives SERVFAIL.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { makeWorld, shAsync } from "./helpers";

/** A tiny upstream: every A question gets 192.0.2.10 (documentation range; nothing is ever sent there). */
async function fakeUpstream() {
  const seen: string[] = [];
  const s = dgram.createSocket("udp4");
  s.on("message", (m, r) => {
    let off = 12;
    const labels: string[] = [];
    while (m[off] !== 0) {
      labels.push(m.toString("latin1", off + 1, off + 1 + m[off]));
      off += 1 + m[off];
    }
    const qtype = m.readUInt16BE(off + 1);
    seen.push(`${labels.join(".")}/${qtype}`);
    const question = m.subarray(12, off + 5);
    const header = Buffer.from(m.subarray(0, 12));
    header.writeUInt16BE(0x8180, 2);
    header.writeUInt16BE(qtype === 1 ? 1 : 0, 6);
    header.writeUInt32BE(0, 8);
    const rr = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 10]);
    s.send(Buffer.concat([header, question, ...(qtype === 1 ? [rr] : [])]), r.port, r.address);
  });
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  return { port: s.address().port, seen, close: () => s.close() };
}

const upstream = await fakeUpstream();
const silent = dgram.createSocket("udp4"); // bound, never answers
await new Promise<void>((r) => silent.bind(0, "127.0.0.1", () => r()));
const world = makeWorld("dnsfwd", { dnsUpstreams: [`127.0.0.1:${upstream.port}`] });
after(async () => {
  await world.cleanup();
  upstream.close();
  silent.close();
});

test("unknown names are forwarded to the upstream; container names are answered locally", async () => {
  const svc = world.service;
  await svc.start({ containerExists: () => true });
  const net = await svc.create("fwd");
  const ns = world.netns("q");
  const ep = await svc.attach(world.containerId(), ns.path, "fwd", { containerName: "local-one" });
  const outside = await shAsync("ip", "netns", "exec", ns.name, "busybox", "nslookup", "-type=a", "example.test", net.gateway!);
  assert.match(outside, /Address: 192\.0\.2\.10/);
  const local = await shAsync("ip", "netns", "exec", ns.name, "busybox", "nslookup", "-type=a", "local-one", net.gateway!);
  assert.match(local, new RegExp(`Address: ${ep.ipv4!.replace(/\./g, "\\.")}`));
  assert.ok(upstream.seen.includes("example.test/1"), upstream.seen.join(","));
  await assert.rejects(
    shAsync("ip", "netns", "exec", ns.name, "busybox", "nslookup", "-type=a", "typo-container", net.gateway!),
    (e: Error & { stdout?: string }) => /NXDOMAIN/.test(`${e.stdout}`),
  );
  assert.ok(!upstream.seen.some((q) => q.startsWith("local-one") || q.startsWith("typo-container")), `container names, known or not, never leave the engine: ${upstream.seen}`);
  await svc.close();
});

test("a silent upstream gives SERVFAIL, not a hang", async () => {
  const quiet = makeWorld("dnsquiet", { dnsUpstreams: [`127.0.0.1:${silent.address().port}`] });
  try {
    await quiet.service.start({ containerExists: () => true });
    const net = await quiet.service.create("quiet");
    // Asked directly (busybox nslookup retries a SERVFAIL until it gives up, which hides the answer).
    const client = dgram.createSocket("udp4");
    const query = Buffer.concat([
      Buffer.from([0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]),
      Buffer.from("\x09elsewhere\x04test\x00\x00\x01\x00\x01", "latin1"),
    ]);
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no reply at all")), 10_000);
      client.on("message", (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      client.send(query, 53, net.gateway!);
    });
    client.close();
    assert.equal(reply.readUInt16BE(0), 0xabcd);
    assert.equal(reply.readUInt16BE(2) & 0x800f, 0x8002, "a response with SERVFAIL");
  } finally {
    await quiet.cleanup();
  }
});
