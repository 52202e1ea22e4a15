// The activity record's "from where": X-Forwarded-For is believed only when the peer is a configured proxy
// (GANTRY_TRUSTED_PROXIES), and then only up to the nearest hop that is not a trusted proxy. Requests come from two
// loopback addresses: 127.0.0.1 (any client) and 127.0.0.2 (the trusted proxy in this test).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { api, setupOwner, signIn } from "../support/session";
import { parseTrustedProxies, resolveClientAddress } from "@/lib/http/client-address";

let cp: ControlPlane;
let ownerCookie: string;

before(async () => {
  cp = await startControlPlane({ env: { GANTRY_TRUSTED_PROXIES: "127.0.0.2, 10.9.0.0/16" } });
  const owner = await setupOwner(cp);
  ownerCookie = await signIn(cp, owner.email, owner.password);
});

after(async () => {
  await cp?.destroy();
});

/** A JSON POST from a chosen local address. */
function postFrom(localAddress: string, path: string, body: unknown, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(
      `${cp.url}${path}`,
      { method: "POST", localAddress, headers: { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(data)) } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

async function mintFrom(localAddress: string, headers: Record<string, string>): Promise<string | null> {
  const before = (await api(cp, ownerCookie).get("/api/v1/activity?action=tokens.manage&pageSize=1")).body.items[0]?.id ?? 0;
  const status = await postFrom(localAddress, "/api/v1/tokens", { name: "t" }, { cookie: ownerCookie, ...headers });
  assert.equal(status, 201);
  const page = await api(cp, ownerCookie).get("/api/v1/activity?action=tokens.manage&pageSize=1");
  const row = page.body.items[0] as { id: number; ip: string | null };
  assert.ok(row.id > before, "a new activity row");
  return row.ip;
}

test("a client's own X-Forwarded-For (or a forged stamp) is not believed: the record shows the socket's address", async () => {
  assert.equal(await mintFrom("127.0.0.1", { "x-forwarded-for": "203.0.113.66" }), "127.0.0.1");
  assert.equal(await mintFrom("127.0.0.1", { "x-gantry-client-address": "203.0.113.67" }), "127.0.0.1");
  assert.equal(await mintFrom("127.0.0.1", {}), "127.0.0.1");
});

test("behind a trusted proxy the nearest untrusted hop is the client; hops a client wrote further left are not", async () => {
  assert.equal(await mintFrom("127.0.0.2", { "x-forwarded-for": "203.0.113.7" }), "203.0.113.7");
  // The client sent "X-Forwarded-For: 198.51.100.1" itself; the proxy appended the address it saw.
  assert.equal(await mintFrom("127.0.0.2", { "x-forwarded-for": "198.51.100.1, 203.0.113.8" }), "203.0.113.8");
  // Two trusted proxies in a row (10.9.0.0/16 is trusted too).
  assert.equal(await mintFrom("127.0.0.2", { "x-forwarded-for": "198.51.100.1, 203.0.113.9, 10.9.1.2" }), "203.0.113.9");
  // A proxy that forwarded no header: the proxy is the client as far as anyone can tell.
  assert.equal(await mintFrom("127.0.0.2", {}), "127.0.0.2");
});

test("the trusted list parses addresses and ranges and refuses nonsense", () => {
  const list = parseTrustedProxies("10.0.0.1, 192.168.0.0/16, ::1, fd00::/8");
  assert.equal(resolveClientAddress("10.0.0.1", "1.2.3.4", list), "1.2.3.4");
  assert.equal(resolveClientAddress("::ffff:192.168.4.4", "1.2.3.4", list), "1.2.3.4");
  assert.equal(resolveClientAddress("::1", "2001:db8::1", list), "2001:db8::1");
  assert.equal(resolveClientAddress("10.0.0.2", "1.2.3.4", list), "10.0.0.2");
  assert.equal(resolveClientAddress("10.0.0.1", "not-an-address, 1.2.3.4", list), "1.2.3.4");
  assert.equal(resolveClientAddress("10.0.0.1", "1.2.3.4, garbage", list), "10.0.0.1");
  assert.equal(resolveClientAddress(undefined, "1.2.3.4", list), null);
  for (const bad of ["10.0.0.300", "example.com", "10.0.0.0/33", "10.0.0.0/8/1", "::1/129"]) {
    assert.throws(() => parseTrustedProxies(bad), /GANTRY_TRUSTED_PROXIES/, bad);
  }
  assert.doesNotThrow(() => parseTrustedProxies(undefined));
  assert.doesNotThrow(() => parseTrustedProxies(" , "));
});
