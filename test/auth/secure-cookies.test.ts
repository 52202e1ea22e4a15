// Behind https (NEXTAUTH_URL https://…) the session and csrf cookies are Secure and carry the __Secure-/__Host- prefixes,
// and the server reads the session from the prefixed cookie.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startControlPlane, freePort, type ControlPlane } from "../support/control-plane";
import { api, setupOwner, trySignIn } from "../support/session";

let cp: ControlPlane;
before(async () => {
  const port = await freePort();
  cp = await startControlPlane({ port, env: { NEXTAUTH_URL: `https://gantry.example.test:${port}` } });
});
after(async () => {
  await cp?.destroy();
});

test("with an https NEXTAUTH_URL the cookies are Secure, prefixed, httpOnly and SameSite=Lax", async () => {
  const owner = await setupOwner(cp);
  const r = await trySignIn(cp, owner.email, owner.password);
  assert.ok(r.ok, `signed in: ${r.error}`);
  const session = r.setCookieLines.find((l) => l.startsWith("__Secure-next-auth.session-token="));
  assert.ok(session, `a __Secure- session cookie: ${r.setCookieLines.join(" | ")}`);
  for (const flag of [/;\s*Secure/i, /;\s*HttpOnly/i, /;\s*SameSite=Lax/i]) assert.match(session, flag);
  assert.match(r.cookie, /__Host-next-auth\.csrf-token=/);
  const me = await api(cp, r.cookie).get("/api/v1/me");
  assert.equal(me.status, 200);
  assert.equal(me.body.user.email, owner.email);
  // The unprefixed name is not accepted in its place.
  const plain = r.cookie.replace("__Secure-next-auth.session-token", "next-auth.session-token").replace(/__Host-next-auth\.csrf-token=[^;]*;?\s*/, "");
  assert.equal((await api(cp, plain).get("/api/v1/me")).status, 401);
});
