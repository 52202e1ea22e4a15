// Sessions one by one (issue 17 item 6): each sign-in is a session of its own, listed with when it began, when it was
// last seen, where from, in which browser and how (local password here; test/e2e/sso.test.ts has OIDC's). Revoking one
// ends that one alone — its next request is a 401 and its open /browser socket is dropped at once — while the user's
// other sessions go on. Users revoke their own; admins revoke those of the users they manage; others' sessions do not
// exist for anyone else. Before sessions had rows, revoking was only "end every session" (sessionEpoch): these fail.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { io as connect, type Socket } from "socket.io-client";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { api, createUser, setupOwner, signIn, trySignIn, type TestUser } from "../support/session";

let cp: ControlPlane;
let owner: TestUser;
let ownerCookie: string;

before(async () => {
  cp = await startControlPlane({ env: { GANTRY_TRUSTED_PROXIES: "127.0.0.1" } });
  owner = await setupOwner(cp);
  ownerCookie = await signIn(cp, owner.email, owner.password);
});
after(async () => {
  await cp?.destroy();
});

async function signInAs(user: TestUser, userAgent: string, address: string): Promise<string> {
  const r = await trySignIn(cp, user.email, user.password, { "user-agent": userAgent, "x-forwarded-for": address });
  assert.ok(r.ok, `signed in: ${r.error}`);
  return r.cookie;
}

function socketFor(cookie: string): Socket {
  return connect(`${cp.url}/browser`, { path: "/socket.io", transports: ["websocket"], extraHeaders: { cookie }, reconnection: false, timeout: 5000 });
}

function connected(s: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once("connect", () => resolve());
    s.once("connect_error", (e) => reject(e));
  });
}

test("two sign-ins are two sessions; revoking one ends it (401, socket dropped) and the other goes on", async () => {
  const user = await createUser(cp, ownerCookie, { role: "operator" });
  const laptop = await signInAs(user, "Laptop/1.0 (test)", "192.0.2.10");
  const phone = await signInAs(user, "Phone/2.0 (test)", "192.0.2.20");

  const list = await api(cp, laptop).get("/api/v1/sessions");
  assert.equal(list.status, 200, JSON.stringify(list.body));
  const sessions = list.body.sessions as Array<{ id: string; method: string; address: string; userAgent: string; current: boolean; createdAt: string; lastSeenAt: string; userId: string }>;
  assert.equal(sessions.length, 2, "both sign-ins are listed");
  const laptopRow = sessions.find((s) => s.userAgent === "Laptop/1.0 (test)")!;
  const phoneRow = sessions.find((s) => s.userAgent === "Phone/2.0 (test)")!;
  assert.ok(laptopRow && phoneRow, "each with its browser");
  assert.equal(laptopRow.address, "192.0.2.10");
  assert.equal(phoneRow.address, "192.0.2.20");
  assert.equal(laptopRow.method, "local");
  assert.equal(laptopRow.current, true, "the laptop's own session is marked current");
  assert.equal(phoneRow.current, false);
  assert.ok(Date.parse(laptopRow.createdAt) <= Date.parse(laptopRow.lastSeenAt));
  assert.ok(sessions.every((s) => s.userId === user.id));

  const s = socketFor(phone);
  try {
    await connected(s);
    assert.deepEqual(await s.timeout(5000).emitWithAck("subscribe", "hosts"), { ok: true });
    const dropped = new Promise<string>((resolve) => s.once("disconnect", (reason) => resolve(reason)));
    const laptopSocket = socketFor(laptop);
    await connected(laptopSocket);
    let laptopDropped = false;
    laptopSocket.once("disconnect", () => (laptopDropped = true));

    const revoked = await api(cp, laptop).delete(`/api/v1/sessions/${phoneRow.id}`);
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    assert.ok(revoked.body.session.revokedAt);
    assert.equal(await dropped, "io server disconnect", "the revoked session's open socket is dropped at once");

    assert.equal((await api(cp, phone).get("/api/v1/me")).status, 401, "the revoked session's next request is refused");
    assert.equal((await api(cp, laptop).get("/api/v1/me")).status, 200, "the other session still works");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(laptopDropped, false, "the other session's socket stays");
    assert.deepEqual(await laptopSocket.timeout(5000).emitWithAck("subscribe", "containers"), { ok: true });
    laptopSocket.close();

    const again = socketFor(phone);
    await assert.rejects(connected(again), /unauthorized/, "the revoked cookie cannot open a socket");
    again.close();
    const left = (await api(cp, laptop).get("/api/v1/sessions")).body.sessions as Array<{ id: string }>;
    assert.deepEqual(left.map((x) => x.id), [laptopRow.id], "the revoked session is no longer listed");
  } finally {
    s.close();
  }
});

test("admins see and revoke the sessions of users they manage; nobody else's sessions exist for a user", async () => {
  const admin = await createUser(cp, ownerCookie, { role: "admin" });
  const adminCookie = await signIn(cp, admin.email, admin.password);
  const viewer = await createUser(cp, ownerCookie, { role: "viewer" });
  const viewerCookie = await signIn(cp, viewer.email, viewer.password);
  const other = await createUser(cp, ownerCookie, { role: "viewer" });
  const otherCookie = await signIn(cp, other.email, other.password);

  const theirs = await api(cp, adminCookie).get(`/api/v1/sessions?userId=${viewer.id}`);
  assert.equal(theirs.status, 200);
  assert.equal(theirs.body.sessions.length, 1);
  const viewerSession = theirs.body.sessions[0];
  assert.equal(viewerSession.current, false);

  // Another viewer neither lists nor revokes it: it does not exist for them.
  assert.equal((await api(cp, otherCookie).get(`/api/v1/sessions?userId=${viewer.id}`)).status, 404);
  assert.equal((await api(cp, otherCookie).delete(`/api/v1/sessions/${viewerSession.id}`)).status, 404);
  assert.equal((await api(cp, viewerCookie).get("/api/v1/me")).status, 200);
  // An admin does not manage the owner: the owner's sessions do not exist for them either.
  assert.equal((await api(cp, adminCookie).get(`/api/v1/sessions?userId=${owner.id}`)).status, 404);

  const r = await api(cp, adminCookie).delete(`/api/v1/sessions/${viewerSession.id}`);
  assert.equal(r.status, 200);
  assert.equal((await api(cp, viewerCookie).get("/api/v1/me")).status, 401, "the admin ended the viewer's session");
  assert.equal((await api(cp, otherCookie).get("/api/v1/me")).status, 200);

  const activity = await api(cp, ownerCookie).get(`/api/v1/activity?userId=${admin.id}`);
  assert.equal(activity.status, 200);
  const row = activity.body.items.find((a: { target: string }) => a.target === `sessions/${viewerSession.id}`);
  assert.ok(row, `the revocation is in the activity record: ${JSON.stringify(activity.body).slice(0, 400)}`);

  assert.equal((await api(cp, adminCookie).delete("/api/v1/sessions/nope")).status, 404);
  assert.equal((await api(cp, adminCookie).get("/api/v1/sessions?bogus=1")).status, 422);
});

test("a new password ends every session of the account, and they leave the list", async () => {
  const user = await createUser(cp, ownerCookie, { role: "viewer" });
  const a = await signIn(cp, user.email, user.password);
  await signIn(cp, user.email, user.password);
  assert.equal((await api(cp, a).get("/api/v1/sessions")).body.sessions.length, 2);
  // A password change by an admin ends them all (the epoch), and none stays listed as live.
  assert.equal((await api(cp, ownerCookie).patch(`/api/v1/users/${user.id}`, { password: "a-brand-new-password-1" })).status, 200);
  assert.equal((await api(cp, a).get("/api/v1/me")).status, 401);
  const fresh = await signIn(cp, user.email, "a-brand-new-password-1");
  assert.equal((await api(cp, fresh).get("/api/v1/sessions")).body.sessions.length, 1);
});
