// Sign-in through next-auth's real credentials flow: cookie flags, wrong passwords, unknown emails, lockout with
// back-off stored on the user, disabled accounts (refused, and their live cookie cut at once), sign-out.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { api, createUser, setupOwner, signIn, signOut, trySignIn, uniqueEmail, type TestUser } from "../support/session";

let cp: ControlPlane;
let owner: TestUser;
let ownerCookie: string;
let db: pg.Client;

before(async () => {
  cp = await startControlPlane();
  owner = await setupOwner(cp, { name: "Olive Owner" });
  ownerCookie = await signIn(cp, owner.email, owner.password);
  db = new pg.Client({ connectionString: cp.databaseUrl });
  await db.connect();
});
after(async () => {
  await db?.end();
  await cp?.destroy();
});

async function userRow(id: string) {
  const { rows } = await db.query(`SELECT "failedLogins", "lockedUntil", "lastLoginAt", disabled FROM "User" WHERE id = $1`, [id]);
  return rows[0] as { failedLogins: number; lockedUntil: Date | null; lastLoginAt: Date | null; disabled: boolean };
}

test("the session cookie is httpOnly and SameSite=Lax, and it identifies the user", async () => {
  const user = await createUser(cp, ownerCookie, { role: "operator" });
  const r = await trySignIn(cp, user.email.toUpperCase(), user.password); // emails match case-insensitively
  assert.ok(r.ok, `signed in: ${r.error}`);
  const line = r.setCookieLines.find((l) => l.startsWith("next-auth.session-token="));
  assert.ok(line, "a session cookie is set");
  assert.match(line, /;\s*HttpOnly/i);
  assert.match(line, /;\s*SameSite=Lax/i);
  assert.match(line, /;\s*Path=\//i);
  assert.doesNotMatch(line, /;\s*Secure/i, "not Secure on plain http (it is when NEXTAUTH_URL is https)");
  const me = await api(cp, r.cookie).get("/api/v1/me");
  assert.equal(me.status, 200);
  assert.equal(me.body.user.email, user.email);
  assert.equal(me.body.user.role, "operator");
  assert.ok((await userRow(user.id)).lastLoginAt, "last sign-in recorded");
});

test("a wrong password and an unknown email are refused alike, with no session", async () => {
  const user = await createUser(cp, ownerCookie, { role: "viewer" });
  const wrong = await trySignIn(cp, user.email, "not-the-password-at-all");
  assert.equal(wrong.ok, false);
  assert.equal(wrong.status, 401);
  assert.equal(wrong.error, "wrong email or password");
  assert.ok(!wrong.cookie.includes("session-token"));
  const unknown = await trySignIn(cp, uniqueEmail("nobody"), "not-the-password-at-all");
  assert.equal(unknown.status, 401);
  assert.equal(unknown.error, "wrong email or password");
  const empty = await trySignIn(cp, "", "");
  assert.equal(empty.status, 401);
  assert.equal((await userRow(user.id)).failedLogins, 1);
});

test("five failures lock the account with back-off; even the right password is refused until it passes; success resets", async () => {
  const user = await createUser(cp, ownerCookie, { role: "viewer" });
  for (let i = 1; i <= 4; i++) {
    assert.equal((await trySignIn(cp, user.email, `wrong-password-${i}`)).error, "wrong email or password");
  }
  assert.equal((await userRow(user.id)).lockedUntil, null, "not locked after 4");
  const before5 = Date.now();
  await trySignIn(cp, user.email, "wrong-password-5");
  const row = await userRow(user.id);
  assert.equal(row.failedLogins, 5);
  assert.ok(row.lockedUntil, "locked after 5 failures");
  const lockMs = row.lockedUntil.getTime() - before5;
  assert.ok(lockMs > 25_000 && lockMs < 35_000, `locked for ~30 s, got ${lockMs} ms`);

  const right = await trySignIn(cp, user.email, user.password);
  assert.equal(right.ok, false, "the right password is refused while locked");
  assert.match(right.error ?? "", /too many failed sign-in attempts: this account is locked, try again in \d+ seconds/);
  assert.equal((await userRow(user.id)).failedLogins, 5, "a locked attempt is not even checked");

  // The users page shows the lock.
  const listed = (await api(cp, ownerCookie).get("/api/v1/users")).body.users.find((u: { id: string }) => u.id === user.id);
  assert.ok(listed.lockedUntil);

  // Let the lock pass (moved back in the database, not waited for): the next failure doubles it.
  await db.query(`UPDATE "User" SET "lockedUntil" = now() - interval '1 second' WHERE id = $1`, [user.id]);
  const before6 = Date.now();
  await trySignIn(cp, user.email, "wrong-password-6");
  const row6 = await userRow(user.id);
  assert.equal(row6.failedLogins, 6);
  const lock6 = row6.lockedUntil!.getTime() - before6;
  assert.ok(lock6 > 55_000 && lock6 < 65_000, `doubled to ~60 s, got ${lock6} ms`);

  await db.query(`UPDATE "User" SET "lockedUntil" = now() - interval '1 second' WHERE id = $1`, [user.id]);
  await signIn(cp, user.email, user.password);
  const reset = await userRow(user.id);
  assert.equal(reset.failedLogins, 0);
  assert.equal(reset.lockedUntil, null);
});

test("a disabled user is refused at sign-in and their existing cookie stops working at once", async () => {
  const user = await createUser(cp, ownerCookie, { role: "operator" });
  const cookie = await signIn(cp, user.email, user.password);
  assert.equal((await api(cp, cookie).get("/api/v1/me")).status, 200);

  const off = await api(cp, ownerCookie).patch(`/api/v1/users/${user.id}`, { disabled: true });
  assert.equal(off.status, 200);
  assert.equal(off.body.user.disabled, true);

  const me = await api(cp, cookie).get("/api/v1/me");
  assert.equal(me.status, 403);
  assert.match(me.body.error.message, /disabled/);
  const page = await api(cp, cookie).get("/users");
  assert.equal(page.status, 307, "pages send a disabled user away");
  assert.equal(new URL(page.headers.get("location")!, cp.url).pathname, "/signin");

  const again = await trySignIn(cp, user.email, user.password);
  assert.equal(again.ok, false);
  assert.match(again.error ?? "", /this account is disabled/);
  // A wrong password on a disabled account says only "wrong": the status is no oracle without the password.
  assert.equal((await trySignIn(cp, user.email, "wrong-password-x")).error, "wrong email or password");

  assert.equal((await api(cp, ownerCookie).patch(`/api/v1/users/${user.id}`, { disabled: false })).status, 200);
  assert.equal((await api(cp, cookie).get("/api/v1/me")).status, 401, "enabled again: the old session stays ended");
  const fresh = await signIn(cp, user.email, user.password);
  assert.equal((await api(cp, fresh).get("/api/v1/me")).status, 200, "and a new sign-in works");
});

test("sign-out clears the session cookie and ends the session server-side (a copied cookie dies too)", async () => {
  const user = await createUser(cp, ownerCookie, { role: "viewer" });
  const cookie = await signIn(cp, user.email, user.password);
  const otherDevice = await signIn(cp, user.email, user.password);
  const lines = await signOut(cp, cookie);
  const cleared = lines.find((l) => l.startsWith("next-auth.session-token="));
  assert.ok(cleared, "sign-out sets the session cookie");
  assert.match(cleared, /^next-auth\.session-token=;/);
  assert.match(cleared, /Max-Age=0|Expires=Thu, 01 Jan 1970/i);
  const jar = cookie.split("; ").filter((c) => !c.startsWith("next-auth.session-token=")).join("; ");
  assert.equal((await api(cp, jar).get("/api/v1/me")).status, 401);
  const page = await api(cp, jar).get("/users");
  assert.equal(page.status, 307);
  assert.equal(new URL(page.headers.get("location")!, cp.url).pathname, "/signin");
  assert.equal((await api(cp, cookie).get("/api/v1/me")).status, 401, "the signed-out token, replayed, is refused");
  assert.equal((await api(cp, otherDevice).get("/api/v1/me")).status, 401, "sign-out ends the account's other sessions");
  const again = await signIn(cp, user.email, user.password);
  assert.equal((await api(cp, again).get("/api/v1/me")).status, 200);
});

test("the next-auth routes answer bad input with a clear 4xx, never a 500", async () => {
  const anon = api(cp);
  const cases: [string, unknown, Record<string, string>, number][] = [
    ["/api/auth/callback/credentials", '{"email": ', {}, 400],
    ["/api/auth/callback/credentials", "[1,2]", {}, 400],
    ["/api/auth/callback/credentials", "x".repeat(40_000), { "content-type": "application/x-www-form-urlencoded" }, 413],
    ["/api/auth/callback/credentials", "hello", { "content-type": "text/plain" }, 415],
    ["/api/auth/signout", '{"csrfToken": ', {}, 400],
  ];
  for (const [path, body, headers, status] of cases) {
    const r = await anon.post(path, body, headers);
    assert.equal(r.status, status, `${path} ${JSON.stringify(headers)} → ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(typeof r.body.error.message, "string");
    assert.doesNotMatch(JSON.stringify(r.body), /at .*\.js|node_modules|Error:/);
  }
  // Without the csrf token next-auth refuses to sign in: no session cookie.
  const noCsrf = await anon.post("/api/auth/callback/credentials", new URLSearchParams({ email: owner.email, password: owner.password }).toString(), {
    "content-type": "application/x-www-form-urlencoded",
  });
  assert.ok(noCsrf.status < 500);
  assert.ok(!(noCsrf.headers.getSetCookie() ?? []).some((l) => l.startsWith("next-auth.session-token=ey")));
  // Unknown next-auth actions are 4xx too.
  assert.ok((await anon.get("/api/auth/nonsense")).status < 500);
});

test("a user changes their own password with the current one; a wrong current password counts as a failure", async () => {
  const user = await createUser(cp, ownerCookie, { role: "viewer" });
  const as = api(cp, await signIn(cp, user.email, user.password));
  const missing = await as.patch("/api/v1/me", { newPassword: "a-brand-new-password" });
  assert.equal(missing.status, 422);
  assert.match(missing.body.error.message, /currentPassword is required/);
  assert.equal((await as.patch("/api/v1/me", { currentPassword: user.password, newPassword: "short" })).status, 422);
  const wrong = await as.patch("/api/v1/me", { currentPassword: "not-my-password", newPassword: "a-brand-new-password" });
  assert.equal(wrong.status, 403);
  assert.match(wrong.body.error.message, /current password is wrong/);
  assert.equal((await userRow(user.id)).failedLogins, 1);

  const ok = await as.patch("/api/v1/me", { currentPassword: user.password, newPassword: "a-brand-new-password", name: "Renamed Me" });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.user.name, "Renamed Me");
  assert.equal((await userRow(user.id)).failedLogins, 0);
  assert.equal((await trySignIn(cp, user.email, user.password)).error, "wrong email or password", "the old password is gone");
  assert.equal((await as.get("/api/v1/me")).status, 401, "a new password ends the sessions made with the old one");
  await signIn(cp, user.email, "a-brand-new-password");
});

test("an owner sets a new password for a locked-out user, which lifts the lock; an admin cannot for the owner", async () => {
  const user = await createUser(cp, ownerCookie, { role: "operator" });
  const earlier = await signIn(cp, user.email, user.password);
  for (let i = 0; i < 5; i++) await trySignIn(cp, user.email, `wrong-password-${i}`);
  assert.ok((await userRow(user.id)).lockedUntil);
  const reset = await api(cp, ownerCookie).patch(`/api/v1/users/${user.id}`, { password: "set-by-the-owner-1" });
  assert.equal(reset.status, 200);
  assert.equal(reset.body.user.lockedUntil, null);
  await signIn(cp, user.email, "set-by-the-owner-1");
  assert.equal((await api(cp, earlier).get("/api/v1/me")).status, 401, "sessions from before the reset are ended");

  const admin = await createUser(cp, ownerCookie, { role: "admin" });
  const adminCookie = await signIn(cp, admin.email, admin.password);
  assert.equal((await api(cp, adminCookie).patch(`/api/v1/users/${owner.id}`, { password: "taken-over-owner-1" })).status, 403);
  assert.equal((await api(cp, adminCookie).patch(`/api/v1/users/${user.id}`, { password: "short" })).status, 422);
});
