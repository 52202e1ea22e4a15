// First-run setup: the owner is created once — a weak password is refused with the rule, concurrent calls create one
// owner, and every later call is a 409. Malformed bodies get 400/413/415/422 with a message.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { api, signIn, strongPassword, uniqueEmail } from "../support/session";

let cp: ControlPlane;
before(async () => {
  cp = await startControlPlane();
});
after(async () => {
  await cp?.destroy();
});

test("first-run setup creates exactly one owner", async (t) => {
  const anon = api(cp);

  await t.test("status says setup is needed, and the pages send people there", async () => {
    assert.deepEqual((await anon.get("/api/v1/setup")).body, { needsSetup: true });
    const signin = await anon.get("/signin");
    assert.equal(signin.status, 307);
    assert.equal(new URL(signin.headers.get("location")!, cp.url).pathname, "/setup");
    const users = await anon.get("/users");
    assert.equal(users.status, 307);
    assert.equal(new URL(users.headers.get("location")!, cp.url).pathname, "/setup");
    const page = await anon.get("/setup");
    assert.equal(page.status, 200);
    assert.match(page.body, /Create the owner account/);
  });

  await t.test("a weak password is refused with the rule, and nothing is created", async () => {
    const r = await anon.post("/api/v1/setup", { name: "Owner", email: uniqueEmail("owner"), password: "short-pw" });
    assert.equal(r.status, 422);
    assert.match(r.body.error.message, /password must be at least 12 characters/);
    assert.equal(r.body.error.details[0].path, "password");
    assert.deepEqual((await anon.get("/api/v1/setup")).body, { needsSetup: true });
  });

  await t.test("malformed bodies: 400, 413, 415, 422 with a message", async () => {
    const broken = await anon.post("/api/v1/setup", '{"name": "x",');
    assert.equal(broken.status, 400);
    assert.match(broken.body.error.message, /not valid JSON/);
    const huge = await anon.post("/api/v1/setup", JSON.stringify({ name: "x".repeat(100_000), email: "a@b.co", password: strongPassword() }));
    assert.equal(huge.status, 413);
    assert.match(huge.body.error.message, /larger than/);
    const text = await anon.post("/api/v1/setup", "name=x", { "content-type": "text/plain" });
    assert.equal(text.status, 415);
    const wrong = await anon.post("/api/v1/setup", { name: "", email: "not-an-email", password: strongPassword(), extra: 1 });
    assert.equal(wrong.status, 422);
    const paths = wrong.body.error.details.map((d: { path: string }) => d.path);
    assert.ok(paths.includes("email") && paths.includes("name"), `details name the fields: ${paths}`);
    const array = await anon.post("/api/v1/setup", "[]");
    assert.equal(array.status, 422);
    assert.deepEqual((await anon.get("/api/v1/setup")).body, { needsSetup: true });
  });

  const password = strongPassword();
  const emails = Array.from({ length: 6 }, () => uniqueEmail("racer"));

  await t.test("six concurrent setups create one owner; the others get 409", async () => {
    const results = await Promise.all(emails.map((email, i) => anon.post("/api/v1/setup", { name: `Racer ${i}`, email, password })));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409]);
    for (const r of results.filter((r) => r.status === 409)) assert.match(r.body.error.message, /already done/);
    const winner = results.find((r) => r.status === 201)!.body.user;
    assert.equal(winner.role, "owner");
    assert.equal("passwordHash" in winner, false, "the hash never leaves the server");

    const db = new pg.Client({ connectionString: cp.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT email, role, "passwordHash" FROM "User"`);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].role, "owner");
      assert.equal(rows[0].email, winner.email);
      assert.match(rows[0].passwordHash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/, "argon2id with OWASP parameters");
    } finally {
      await db.end();
    }
  });

  await t.test("after setup: status is false, a second call is 409, /setup sends to sign-in, the owner signs in", async () => {
    assert.deepEqual((await anon.get("/api/v1/setup")).body, { needsSetup: false });
    const again = await anon.post("/api/v1/setup", { name: "Late", email: uniqueEmail("late"), password: strongPassword() });
    assert.equal(again.status, 409);
    const page = await anon.get("/setup");
    assert.equal(page.status, 307);
    assert.equal(new URL(page.headers.get("location")!, cp.url).pathname, "/signin");

    const users = (await api(cp).get("/api/v1/users")).status;
    assert.equal(users, 401);
    const db = new pg.Client({ connectionString: cp.databaseUrl });
    await db.connect();
    const { rows } = await db.query(`SELECT email FROM "User"`);
    await db.end();
    const cookie = await signIn(cp, rows[0].email, password);
    const me = await api(cp, cookie).get("/api/v1/me");
    assert.equal(me.status, 200);
    assert.equal(me.body.user.role, "owner");
    assert.ok(me.body.permissions.includes("users.manage"));
  });
});
