// Sign-in through next-auth's real credentials flow: cookie flags, one neutral answer for every failure (wrong
// password, unknown email, disabled account, back-off), back-off per (source address, account) so an attacker cannot
// lock the owner out, disabled accounts (refused, and their live cookie cut at once), sign-out. The control plane
// trusts 127.0.0.1 as a proxy here, so each attempt says where it comes from with X-Forwarded-For.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { api, createUser, setupOwner, signIn, signOut, trySignIn, uniqueEmail, type TestUser } from "../support/session";

let cp: ControlPlane;
let owner: TestUser;
let ownerCookie: string;
let db: pg.Client;

const NEUTRAL = "wrong email or password, or too many attempts: check them, or wait a few minutes";
const from = (address: string) => ({ "x-forwarded-for": address });

before(async () => {
  cp = await startControlPlane({ env: { GANTRY_TRUSTED_PROXIES: "127.0.0.1" } });
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
  const { rows } = await db.query(`SELECT "lastLoginAt", disabled FROM "User" WHERE id = $1`, [id]);
  return rows[0] as { lastLoginAt: Date | null; disabled: boolean };
}

/** The back-off rows of an email, by address. */
async function throttle(email: string): Promise<Map<string, { failures: number; lockedUntil: Date | null }>> {
  const { rows } = await db.query(
    `SELECT address, failures, "lockedUntil" FROM "SignInThrottle" WHERE account = encode(sha256(convert_to(lower(trim($1)), 'UTF8')), 'hex')`,
    [email],
  );
  return new Map(rows.map((r) => [r.address, { failures: r.failures, lockedUntil: r.lockedUntil }]));
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
  const wrong = await trySignIn(cp, user.email, "not-the-password-at-all", from("198.51.100.1"));
  assert.equal(wrong.ok, false);
  assert.equal(wrong.status, 401);
  assert.equal(wrong.error, NEUTRAL);
  assert.ok(!wrong.cookie.includes("session-token"));
  const unknown = await trySignIn(cp, uniqueEmail("nobody"), "not-the-password-at-all", from("198.51.100.1"));
  assert.equal(unknown.status, 401);
  assert.equal(unknown.error, NEUTRAL);
  const empty = await trySignIn(cp, "", "");
  assert.equal(empty.status, 401);
  assert.equal((await throttle(user.email)).get("198.51.100.1")?.failures, 1);
});

test("an attacker cannot lock the owner out: failures slow their own address only, with back-off", async () => {
  const attacker = from("203.0.113.50");
  for (let i = 1; i <= 4; i++) assert.equal((await trySignIn(cp, owner.email, `guess-${i}`, attacker)).error, NEUTRAL);
  assert.equal((await throttle(owner.email)).get("203.0.113.50")?.lockedUntil, null, "not slowed after 4");
  const before5 = Date.now();
  await trySignIn(cp, owner.email, "guess-5", attacker);
  const row = (await throttle(owner.email)).get("203.0.113.50")!;
  assert.equal(row.failures, 5);
  const lockMs = row.lockedUntil!.getTime() - before5;
  assert.ok(lockMs > 25_000 && lockMs < 35_000, `refused for ~30 s, got ${lockMs} ms`);

  // Even the right password is refused from the attacker's address meanwhile, with the same answer as any failure.
  const right = await trySignIn(cp, owner.email, owner.password, attacker);
  assert.equal(right.ok, false);
  assert.equal(right.error, NEUTRAL);
  assert.equal((await throttle(owner.email)).get("203.0.113.50")?.failures, 5, "a refused attempt is not even checked");

  // The owner, from their own address, signs in at once.
  const ownerHere = await trySignIn(cp, owner.email, owner.password, from("198.51.100.77"));
  assert.ok(ownerHere.ok, `the owner signs in from elsewhere: ${ownerHere.error}`);

  // Once it passes (moved back in the database, not waited for), the attacker's next failure doubles it.
  await db.query(`UPDATE "SignInThrottle" SET "lockedUntil" = now() - interval '1 second' WHERE address = '203.0.113.50'`);
  const before6 = Date.now();
  await trySignIn(cp, owner.email, "guess-6", attacker);
  const row6 = (await throttle(owner.email)).get("203.0.113.50")!;
  assert.equal(row6.failures, 6);
  const lock6 = row6.lockedUntil!.getTime() - before6;
  assert.ok(lock6 > 55_000 && lock6 < 65_000, `doubled to ~60 s, got ${lock6} ms`);

  // A success from an address starts its count again.
  await db.query(`UPDATE "SignInThrottle" SET "lockedUntil" = now() - interval '1 second' WHERE address = '203.0.113.50'`);
  await signIn(cp, owner.email, owner.password);
  assert.ok((await trySignIn(cp, owner.email, owner.password, attacker)).ok);
  assert.equal((await throttle(owner.email)).has("203.0.113.50"), false);
});

test("sign-in tells nobody which accounts exist: a known and an unknown email answer alike under back-off too", async () => {
  const user = await createUser(cp, ownerCookie, { role: "viewer" });
  const stranger = uniqueEmail("stranger");
  const answers = { known: new Set<string>(), unknown: new Set<string>() };
  for (let i = 0; i < 7; i++) {
    const k = await trySignIn(cp, user.email, `guess-${i}`, from("203.0.113.60"));
    const u = await trySignIn(cp, stranger, `guess-${i}`, from("203.0.113.60"));
    answers.known.add(`${k.status} ${k.error}`);
    answers.unknown.add(`${u.status} ${u.error}`);
  }
  assert.deepEqual([...answers.known], [`401 ${NEUTRAL}`]);
  assert.deepEqual([...answers.unknown], [`401 ${NEUTRAL}`]);
  // Both are slowed the same way.
  assert.equal((await throttle(user.email)).get("203.0.113.60")?.failures, 5, "known: two attempts were refused unchecked");
  assert.equal((await throttle(stranger)).get("203.0.113.60")?.failures, 5, "unknown: likewise");
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

  // Refused with the one neutral answer, right password or not: the account's state is no oracle.
  const again = await trySignIn(cp, user.email, user.password);
  assert.equal(again.ok, false);
  assert.equal(again.error, NEUTRAL);
  assert.equal((await trySignIn(cp, user.email, "wrong-password-x")).error, NEUTRAL);

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
  assert.equal((await throttle(user.email)).get("127.0.0.1")?.failures, 1, "counted against this address");

  const ok = await as.patch("/api/v1/me", { currentPassword: user.password, newPassword: "a-brand-new-password", name: "Renamed Me" });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.user.name, "Renamed Me");
  assert.equal((await throttle(user.email)).size, 0);
  assert.equal((await trySignIn(cp, user.email, user.password)).error, NEUTRAL, "the old password is gone");
  assert.equal((await as.get("/api/v1/me")).status, 401, "a new password ends the sessions made with the old one");
  await signIn(cp, user.email, "a-brand-new-password");
});

test("an owner sets a new password for a user slowed by back-off, which lifts it; an admin cannot for the owner", async () => {
  const user = await createUser(cp, ownerCookie, { role: "operator" });
  const earlier = await signIn(cp, user.email, user.password);
  for (let i = 0; i < 5; i++) await trySignIn(cp, user.email, `wrong-password-${i}`);
  assert.ok((await throttle(user.email)).get("127.0.0.1")?.lockedUntil);
  const reset = await api(cp, ownerCookie).patch(`/api/v1/users/${user.id}`, { password: "set-by-the-owner-1" });
  assert.equal(reset.status, 200);
  assert.equal((await throttle(user.email)).size, 0);
  await signIn(cp, user.email, "set-by-the-owner-1");
  assert.equal((await api(cp, earlier).get("/api/v1/me")).status, 401, "sessions from before the reset are ended");

  const admin = await createUser(cp, ownerCookie, { role: "admin" });
  const adminCookie = await signIn(cp, admin.email, admin.password);
  assert.equal((await api(cp, adminCookie).patch(`/api/v1/users/${owner.id}`, { password: "taken-over-owner-1" })).status, 403);
  assert.equal((await api(cp, adminCookie).patch(`/api/v1/users/${user.id}`, { password: "short" })).status, 422);
});
