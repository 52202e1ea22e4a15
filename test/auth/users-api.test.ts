// The users API's role rules (admins manage operators and viewers; only owners manage admins and owners; nobody
// changes themselves; the last owner stays), its answers to malformed input, and the /browser socket's sign-in gate.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { io as connect, type Socket } from "socket.io-client";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { api, createUser, setupOwner, signIn, signOut, strongPassword, uniqueEmail, userSession, type TestUser } from "../support/session";

let cp: ControlPlane;
let owner: TestUser;
let ownerCookie: string;

before(async () => {
  cp = await startControlPlane();
  owner = await setupOwner(cp, { name: "Olga Owner" });
  ownerCookie = await signIn(cp, owner.email, owner.password);
});
after(async () => {
  await cp?.destroy();
});

const newUser = (role: string) => ({ name: `New ${role}`, email: uniqueEmail(role), password: strongPassword(), role });

test("an owner creates every role, lists them, and changes roles", async () => {
  const as = api(cp, ownerCookie);
  for (const role of ["owner", "admin", "operator", "viewer"]) {
    const r = await as.post("/api/v1/users", newUser(role));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.user.role, role);
    assert.equal("passwordHash" in r.body.user, false);
  }
  const list = await as.get("/api/v1/users");
  assert.equal(list.status, 200);
  const roles = list.body.users.map((u: { role: string }) => u.role);
  assert.equal(roles[0], "owner", "owners first");
  assert.ok(list.body.users.every((u: object) => !("passwordHash" in u) && !("failedLogins" in u)));

  const op = await createUser(cp, ownerCookie, { role: "operator" });
  const promoted = await as.patch(`/api/v1/users/${op.id}`, { role: "admin", name: "Promoted Op" });
  assert.equal(promoted.status, 200);
  assert.equal(promoted.body.user.role, "admin");
  assert.equal(promoted.body.user.name, "Promoted Op");
  const cookie = await signIn(cp, op.email, op.password);
  assert.equal((await api(cp, cookie).get("/api/v1/users")).status, 200, "the new role applies at once");
});

test("an admin manages operators and viewers only", async () => {
  const { cookie } = await userSession(cp, ownerCookie, "admin");
  const as = api(cp, cookie);
  assert.equal((await as.get("/api/v1/users")).status, 200);
  assert.equal((await as.post("/api/v1/users", newUser("operator"))).status, 201);
  const viewer = await as.post("/api/v1/users", newUser("viewer"));
  assert.equal(viewer.status, 201);

  for (const role of ["admin", "owner"]) {
    const r = await as.post("/api/v1/users", newUser(role));
    assert.equal(r.status, 403, `admin creating ${role}`);
    assert.match(r.body.error.message, new RegExp(`cannot create ${role} accounts`));
  }
  const promote = await as.patch(`/api/v1/users/${viewer.body.user.id}`, { role: "admin" });
  assert.equal(promote.status, 403);
  assert.match(promote.body.error.message, /cannot give the admin role/);
  const demote = await as.patch(`/api/v1/users/${viewer.body.user.id}`, { role: "operator" });
  assert.equal(demote.status, 200);

  const otherAdmin = await createUser(cp, ownerCookie, { role: "admin" });
  assert.equal((await as.patch(`/api/v1/users/${owner.id}`, { disabled: true })).status, 403, "admin cannot touch the owner");
  assert.equal((await as.patch(`/api/v1/users/${owner.id}`, { name: "Renamed" })).status, 403);
  assert.equal((await as.patch(`/api/v1/users/${otherAdmin.id}`, { role: "viewer" })).status, 403, "nor another admin");
});

test("operators, viewers and anonymous callers cannot read or manage users", async () => {
  const target = await createUser(cp, ownerCookie, { role: "viewer" });
  for (const role of ["operator", "viewer"] as const) {
    const { cookie } = await userSession(cp, ownerCookie, role);
    const as = api(cp, cookie);
    assert.equal((await as.get("/api/v1/users")).status, 403, `${role} GET`);
    assert.equal((await as.post("/api/v1/users", newUser("viewer"))).status, 403, `${role} POST`);
    const patch = await as.patch(`/api/v1/users/${target.id}`, { disabled: true });
    assert.equal(patch.status, 403, `${role} PATCH`);
    assert.match(patch.body.error.message, new RegExp(`your role \\(${role}\\) does not allow users.manage`));
    assert.equal((await as.get("/api/v1/me")).status, 200, `${role} reads their own account`);
  }
  const anon = api(cp);
  assert.equal((await anon.get("/api/v1/users")).status, 401);
  assert.equal((await anon.post("/api/v1/users", newUser("viewer"))).status, 401);
  assert.equal((await anon.patch(`/api/v1/users/${target.id}`, { disabled: true })).status, 401);
  assert.equal((await anon.get("/api/v1/me")).status, 401);
  const forged = api(cp, "next-auth.session-token=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..forged.forged.forged");
  assert.equal((await forged.get("/api/v1/me")).status, 401);
});

test("nobody changes their own role or status, and the last owner stays an owner", async () => {
  const self = await api(cp, ownerCookie).patch(`/api/v1/users/${owner.id}`, { role: "viewer" });
  assert.equal(self.status, 403);
  assert.match(self.body.error.message, /cannot change your own/);
  assert.equal((await api(cp, ownerCookie).patch(`/api/v1/users/${owner.id}`, { disabled: true })).status, 403);
  const admin = await userSession(cp, ownerCookie, "admin");
  assert.equal((await api(cp, admin.cookie).patch(`/api/v1/users/${admin.user.id}`, { disabled: true })).status, 403);

  // Two owners demoting each other at the same moment: one wins, and one owner remains.
  const a = await userSession(cp, ownerCookie, "owner");
  const b = await userSession(cp, ownerCookie, "owner");
  // Leave only a and b as active owners, so the race decides who stays.
  const everyone = (await api(cp, ownerCookie).get("/api/v1/users")).body.users as { id: string; role: string }[];
  for (const u of everyone.filter((u) => u.role === "owner" && u.id !== a.user.id && u.id !== b.user.id && u.id !== owner.id)) {
    assert.equal((await api(cp, a.cookie).patch(`/api/v1/users/${u.id}`, { role: "admin" })).status, 200);
  }
  assert.equal((await api(cp, a.cookie).patch(`/api/v1/users/${owner.id}`, { role: "admin" })).status, 200);
  const [ab, ba] = await Promise.all([
    api(cp, a.cookie).patch(`/api/v1/users/${b.user.id}`, { role: "admin" }),
    api(cp, b.cookie).patch(`/api/v1/users/${a.user.id}`, { role: "admin" }),
  ]);
  assert.deepEqual([ab.status, ba.status].sort(), [200, 403], `one wins: ${JSON.stringify([ab.body, ba.body])}`);
  const owners = ((await api(cp, ab.status === 200 ? a.cookie : b.cookie).get("/api/v1/users")).body.users as { role: string; disabled: boolean }[]).filter(
    (u) => u.role === "owner" && !u.disabled,
  );
  assert.equal(owners.length, 1);
  // Hand ownership back for the other tests.
  const survivor = ab.status === 200 ? a.cookie : b.cookie;
  assert.equal((await api(cp, survivor).patch(`/api/v1/users/${owner.id}`, { role: "owner" })).status, 200);
});

test("bad input: duplicate email 409, unknown id 404, malformed or oversized JSON 400/413/415/422", async () => {
  const as = api(cp, ownerCookie);
  const dup = await as.post("/api/v1/users", { ...newUser("viewer"), email: owner.email.toUpperCase() });
  assert.equal(dup.status, 409);
  assert.match(dup.body.error.message, /already exists/);
  assert.equal((await as.patch("/api/v1/users/doesnotexist123", { disabled: true })).status, 404);
  assert.equal((await as.patch("/api/v1/users/not..an..id", { disabled: true })).status, 400, "a malformed id in the path is a 400");

  const cases: [string, string, unknown, Record<string, string>, number, RegExp][] = [
    ["POST", "/api/v1/users", '{"name": "x", ', {}, 400, /not valid JSON/],
    ["POST", "/api/v1/users", JSON.stringify({ ...newUser("viewer"), name: "x".repeat(70_000) }), {}, 413, /larger than/],
    ["POST", "/api/v1/users", "name=x", { "content-type": "application/x-www-form-urlencoded" }, 415, /JSON/],
    ["POST", "/api/v1/users", { ...newUser("viewer"), role: "superuser" }, {}, 422, /role must be one of owner, admin, operator, viewer/],
    ["POST", "/api/v1/users", { ...newUser("viewer"), password: "short" }, {}, 422, /at least 12 characters/],
    ["POST", "/api/v1/users", { ...newUser("viewer"), email: "nope" }, {}, 422, /valid email/],
    ["POST", "/api/v1/users", null, {}, 422, /invalid request body/],
    ["PATCH", `/api/v1/users/${owner.id}`, {}, {}, 422, /nothing to change/],
    ["PATCH", `/api/v1/users/${owner.id}`, { disabled: "yes" }, {}, 422, /disabled/],
    ["PATCH", `/api/v1/users/${owner.id}`, { passwordHash: "x" }, {}, 422, /passwordHash|Unrecognized/i],
  ];
  for (const [method, path, body, headers, status, message] of cases) {
    const r = await as.request(method, path, body === null ? "null" : body, headers);
    assert.equal(r.status, status, `${method} ${path} ${String(JSON.stringify(body)).slice(0, 60)} → ${JSON.stringify(r.body)}`);
    assert.match(r.body.error.message, message);
  }
});

function socketFor(cookie?: string): Socket {
  return connect(`${cp.url}/browser`, {
    path: "/socket.io",
    transports: ["websocket"],
    extraHeaders: cookie ? { cookie } : {},
    reconnection: false,
    timeout: 5000,
  });
}

function connected(s: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once("connect", () => resolve());
    s.once("connect_error", (e) => reject(e));
  });
}

test("/browser socket: a viewer connects with their cookie, no cookie is refused, disabling drops the socket", async () => {
  const anon = socketFor();
  await assert.rejects(connected(anon), /unauthorized/);
  anon.close();

  const viewer = await userSession(cp, ownerCookie, "viewer");
  const s = socketFor(viewer.cookie);
  try {
    await connected(s);
    const ack = await s.timeout(5000).emitWithAck("subscribe", "hosts");
    assert.deepEqual(ack, { ok: true });

    const dropped = new Promise<string>((resolve) => s.once("disconnect", (reason) => resolve(reason)));
    const off = await api(cp, ownerCookie).patch(`/api/v1/users/${viewer.user.id}`, { disabled: true });
    assert.equal(off.status, 200);
    assert.equal(await dropped, "io server disconnect");

    const again = socketFor(viewer.cookie);
    await assert.rejects(connected(again), /unauthorized/, "a disabled user cannot reconnect");
    again.close();
  } finally {
    s.close();
  }
});

test("/browser socket: signing out drops the account's sockets and the old cookie cannot reconnect", async () => {
  const { user, cookie } = await userSession(cp, ownerCookie, "operator");
  const s = socketFor(cookie);
  try {
    await connected(s);
    const dropped = new Promise<string>((resolve) => s.once("disconnect", (reason) => resolve(reason)));
    await signOut(cp, cookie);
    assert.equal(await dropped, "io server disconnect");
    const again = socketFor(cookie);
    await assert.rejects(connected(again), /unauthorized/);
    again.close();
    const fresh = socketFor(await signIn(cp, user.email, user.password));
    await connected(fresh);
    fresh.close();
  } finally {
    s.close();
  }
});
