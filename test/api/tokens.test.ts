// API tokens end to end against a real control plane: created once and shown once, accepted as a Bearer credential,
// capped at the creator's and the user's role, refused (401) once expired, revoked, or when their user is disabled,
// and every mutation written to the activity record that admins read.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { api, setupOwner, signIn, userSession, type TestUser } from "../support/session";

let cp: ControlPlane;
let ownerCookie: string;
let owner: TestUser;

before(async () => {
  cp = await startControlPlane();
  owner = await setupOwner(cp);
  ownerCookie = await signIn(cp, owner.email, owner.password);
});

after(async () => {
  await cp?.destroy();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function mint(cookie: string, body: Record<string, unknown>) {
  const r = await api(cp, cookie).post("/api/v1/tokens", body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as { token: string; apiToken: { id: string; role: string; prefix: string; lastUsedAt: string | null } };
}

test("a token is shown once, stored hashed, and acts as its user with its role", async () => {
  const { user, cookie } = await userSession(cp, ownerCookie, "operator");
  const created = await mint(cookie, { name: "ci" });
  assert.match(created.token, /^gat_[A-Za-z0-9_-]{43}$/);
  assert.equal(created.apiToken.role, "operator");
  assert.ok(created.token.startsWith(created.apiToken.prefix));

  const me = await api(cp).get("/api/v1/me", bearer(created.token));
  assert.equal(me.status, 200);
  assert.equal(me.body.user.id, user.id);
  assert.equal(me.body.user.role, "operator");

  const list = await api(cp, cookie).get("/api/v1/tokens");
  assert.equal(list.status, 200);
  const listed = list.body.tokens.find((t: { id: string }) => t.id === created.apiToken.id);
  assert.ok(listed, "the new token is listed");
  assert.equal(JSON.stringify(list.body).includes(created.token), false, "the token itself is never listed");
  assert.ok(listed.lastUsedAt, "last use is recorded");

  const db = new pg.Client({ connectionString: cp.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query(`SELECT "tokenHash" FROM "ApiToken" WHERE id = $1`, [created.apiToken.id]);
    assert.match(rows[0].tokenHash, /^[0-9a-f]{64}$/);
    assert.notEqual(rows[0].tokenHash, created.token);
  } finally {
    await db.end();
  }
});

test("a token's role is no higher than its creator's; a read-only token cannot act", async () => {
  const { cookie } = await userSession(cp, ownerCookie, "operator");
  const tooHigh = await api(cp, cookie).post("/api/v1/tokens", { name: "x", role: "admin" });
  assert.equal(tooHigh.status, 403);
  assert.match(tooHigh.body.error.message, /cannot be above operator/);

  // An owner's viewer token reads but cannot create users.
  const ro = await mint(ownerCookie, { name: "read-only", role: "viewer" });
  assert.equal((await api(cp).get("/api/v1/hosts", bearer(ro.token))).status, 200);
  const denied = await api(cp).post("/api/v1/users", { role: "viewer", email: "x@example.test", name: "X", password: "long-enough-password" }, bearer(ro.token));
  assert.equal(denied.status, 403);
});

test("bad input is a 4xx naming the problem", async () => {
  const noName = await api(cp, ownerCookie).post("/api/v1/tokens", { expiresInDays: 5 });
  assert.equal(noName.status, 422);
  assert.match(noName.body.error.message, /name/);
  const tooLong = await api(cp, ownerCookie).post("/api/v1/tokens", { name: "x", expiresInDays: 10_000 });
  assert.equal(tooLong.status, 422);
  assert.match(tooLong.body.error.message, /expiresInDays/);
  const extra = await api(cp, ownerCookie).post("/api/v1/tokens", { name: "x", admin: true });
  assert.equal(extra.status, 422);
  const garbage = await api(cp).get("/api/v1/me", bearer("gat_not-a-real-token"));
  assert.equal(garbage.status, 401);
  assert.match(garbage.body.error.message, /API token/);
});

test("revoked, expired and disabled-user tokens are refused with 401 at once; a demoted user's token is capped", async () => {
  const { user, cookie } = await userSession(cp, ownerCookie, "operator");
  const a = await mint(cookie, { name: "a" });
  const b = await mint(cookie, { name: "b" });
  const c = await mint(ownerCookie, { name: "for-them", userId: user.id });
  assert.equal(c.apiToken.role, "operator", "an owner's token for an operator is capped at the operator's role");

  const revoked = await api(cp, cookie).delete(`/api/v1/tokens/${a.apiToken.id}`);
  assert.equal(revoked.status, 200);
  assert.ok(revoked.body.apiToken.revokedAt);
  assert.equal((await api(cp).get("/api/v1/me", bearer(a.token))).status, 401);
  assert.equal((await api(cp).get("/api/v1/me", bearer(b.token))).status, 200);

  // Someone else's token is not found for an operator who does not manage its user.
  const other = await userSession(cp, ownerCookie, "operator");
  assert.equal((await api(cp, other.cookie).delete(`/api/v1/tokens/${b.apiToken.id}`)).status, 404);

  // Demoted to viewer: the operator token now acts as a viewer.
  assert.equal((await api(cp, ownerCookie).patch(`/api/v1/users/${user.id}`, { role: "viewer" })).status, 200);
  const me = await api(cp).get("/api/v1/me", bearer(b.token));
  assert.equal(me.body.user.role, "viewer");

  // Disabled: every token stops at once.
  assert.equal((await api(cp, ownerCookie).patch(`/api/v1/users/${user.id}`, { disabled: true })).status, 200);
  assert.equal((await api(cp).get("/api/v1/me", bearer(b.token))).status, 401);
  assert.equal((await api(cp).get("/api/v1/me", bearer(c.token))).status, 401);

  // Expired: moved into the past in the database (the shortest lifetime one may ask for is a day).
  const d = await mint(ownerCookie, { name: "short", expiresInDays: 1 });
  assert.equal((await api(cp).get("/api/v1/me", bearer(d.token))).status, 200);
  const db = new pg.Client({ connectionString: cp.databaseUrl });
  await db.connect();
  try {
    await db.query(`UPDATE "ApiToken" SET "expiresAt" = now() - interval '1 second' WHERE id = $1`, [d.apiToken.id]);
  } finally {
    await db.end();
  }
  assert.equal((await api(cp).get("/api/v1/me", bearer(d.token))).status, 401);
});

test("mutations are written to the activity record with who, what, when and from where; only admins read it", async () => {
  const { user, cookie } = await userSession(cp, ownerCookie, "operator");
  const t = await mint(cookie, { name: "activity" });
  const before = Date.now();
  assert.equal((await api(cp).delete(`/api/v1/tokens/${t.apiToken.id}`, { ...bearer(t.token), "user-agent": "gantry-test/1" })).status, 200);

  // (Their sign-in is in the record too, as auth.sign-in.)
  const page = await api(cp, ownerCookie).get(`/api/v1/activity?userId=${user.id}&action=tokens.&pageSize=10`);
  assert.equal(page.status, 200);
  const rows = page.body.items as Array<Record<string, any>>;
  const revoke = rows.find((r) => r.details?.method === "DELETE");
  assert.ok(revoke, JSON.stringify(rows));
  assert.equal(revoke.action, "tokens.manage");
  assert.equal(revoke.target, `tokens/${t.apiToken.id}`);
  assert.equal(revoke.userEmail, user.email);
  assert.equal(revoke.tokenId, t.apiToken.id);
  assert.equal(revoke.userAgent, "gantry-test/1");
  assert.equal(revoke.outcome, "ok");
  assert.match(revoke.ip ?? "", /^(127\.0\.0\.1|::1)$/);
  assert.ok(Date.parse(revoke.at) >= before - 5_000);
  const create = rows.find((r) => r.details?.method === "POST");
  assert.ok(create, "the token's creation is recorded too");
  assert.equal(page.body.total, 2);

  // A failed mutation is recorded with its error code; reading is not a mutation.
  await api(cp, cookie).delete("/api/v1/tokens/no-such-token");
  const after = await api(cp, ownerCookie).get(`/api/v1/activity?userId=${user.id}&action=tokens.`);
  assert.equal(after.body.items[0].outcome, "not_found");

  assert.equal((await api(cp, cookie).get("/api/v1/activity")).status, 403);
  assert.equal((await api(cp, ownerCookie).get("/api/v1/activity?pageSize=0")).status, 422);
});

test("an API token cannot mint API tokens (not longer-lived ones, not for others); a session can", async () => {
  const { user, cookie } = await userSession(cp, ownerCookie, "operator");
  const parent = await mint(cookie, { name: "parent", expiresInDays: 1 });
  const asToken = api(cp);
  const child = await asToken.post("/api/v1/tokens", { name: "child", expiresInDays: 366 }, bearer(parent.token));
  assert.equal(child.status, 403, JSON.stringify(child.body));
  assert.match(child.body.error.message, /an API token cannot create API tokens/);
  // Not even a shorter, narrower one: whatever a token mints would not die with it.
  assert.equal((await asToken.post("/api/v1/tokens", { name: "child", role: "viewer", expiresInDays: 1 }, bearer(parent.token))).status, 403);
  // An owner's token cannot mint one for another user either.
  const ownerToken = await mint(ownerCookie, { name: "owner-automation" });
  assert.equal((await asToken.post("/api/v1/tokens", { name: "x", userId: user.id }, bearer(ownerToken.token))).status, 403);
  // Nothing was made: the operator holds only the parent.
  const mine = await api(cp, cookie).get("/api/v1/tokens");
  assert.deepEqual(mine.body.tokens.map((t: { name: string }) => t.name), ["parent"]);
  // Revoking the parent leaves nothing of it working; a token may still list and revoke (they only take access away).
  assert.equal((await asToken.get("/api/v1/tokens", bearer(parent.token))).status, 200);
  assert.equal((await asToken.delete(`/api/v1/tokens/${parent.apiToken.id}`, bearer(parent.token))).status, 200);
  assert.equal((await asToken.get("/api/v1/me", bearer(parent.token))).status, 401);
});

test("?all=true shows an admin the tokens of users they manage only — never the owner's or another admin's", async () => {
  const ownerToken = await mint(ownerCookie, { name: "owner-secret-automation" });
  const admin = await userSession(cp, ownerCookie, "admin");
  const otherAdmin = await userSession(cp, ownerCookie, "admin");
  const operator = await userSession(cp, ownerCookie, "operator");
  const adminOwn = await mint(admin.cookie, { name: "admin-own" });
  const otherAdminOwn = await mint(otherAdmin.cookie, { name: "other-admin-own" });
  const operatorOwn = await mint(operator.cookie, { name: "operator-own" });

  const seen = await api(cp, admin.cookie).get("/api/v1/tokens?all=true");
  assert.equal(seen.status, 200);
  const ids = new Set(seen.body.tokens.map((t: { id: string }) => t.id));
  assert.ok(ids.has(adminOwn.apiToken.id), "their own");
  assert.ok(ids.has(operatorOwn.apiToken.id), "an operator's: admins manage operators");
  assert.equal(ids.has(ownerToken.apiToken.id), false, "not the owner's");
  assert.equal(ids.has(otherAdminOwn.apiToken.id), false, "not another admin's");
  assert.ok(seen.body.tokens.every((t: { userId: string }) => t.userId !== owner.id));

  // The owner manages everyone: every token.
  const all = new Set((await api(cp, ownerCookie).get("/api/v1/tokens?all=true")).body.tokens.map((t: { id: string }) => t.id));
  for (const t of [ownerToken, adminOwn, otherAdminOwn, operatorOwn]) assert.ok(all.has(t.apiToken.id));
  // Operators still may not ask.
  assert.equal((await api(cp, operator.cookie).get("/api/v1/tokens?all=true")).status, 403);
});
